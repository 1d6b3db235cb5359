/*
 * sco.js: the runtime side of the demo SPOC units (scorm/units/*).
 *
 * One file for both SCORM versions. It finds the LMS API the standard way
 * (window.API_1484_11 for 2004, window.API for 1.2, up the parent chain and
 * then the opener's), pages through the unit's sections, restores the page
 * and suspend_data on resume, saves the page reached, scores the quiz,
 * reports score, status and session time, commits, and terminates on
 * pagehide. Without an LMS the unit still reads and the quiz still scores,
 * with a notice that nothing is saved.
 *
 * No inline script or style is needed: the page loads this file with
 * <script src defer>, and visibility goes through the hidden attribute and
 * classes, so a strict Content-Security-Policy does not get in the way.
 */
(function () {
	'use strict';

	var MAX_DEPTH = 10;	/* frames to climb; real players nest 1 to 3 */
	var SUSPEND_VERSION = 1;

	/* ---------- finding the API ---------- */

	function lookIn(win, name) {
		var depth = 0;
		while (win && depth <= MAX_DEPTH) {
			try {
				if (win[name])
					return win[name];
			} catch (e) {
				/* another origin: keep climbing, parent is readable */
			}
			var up = null;
			try {
				up = win.parent;
			} catch (e) {
				up = null;
			}
			if (!up || up === win)
				break;
			win = up;
			depth++;
		}
		return null;
	}

	function findApi(name) {
		var api = lookIn(window, name);
		if (!api) {
			try {
				if (window.opener && !window.opener.closed)
					api = lookIn(window.opener, name);
			} catch (e) {
				api = null;
			}
		}
		return api;
	}

	/* Both versions behind one small interface with version-neutral keys. */
	var KEYS = {
		'1.2': {
			location: 'cmi.core.lesson_location',
			entry: 'cmi.core.entry',
			mode: 'cmi.core.lesson_mode',
			exit: 'cmi.core.exit',
			sessionTime: 'cmi.core.session_time',
			suspend: 'cmi.suspend_data',
			mastery: 'cmi.student_data.mastery_score'
		},
		'2004': {
			location: 'cmi.location',
			entry: 'cmi.entry',
			mode: 'cmi.mode',
			exit: 'cmi.exit',
			sessionTime: 'cmi.session_time',
			suspend: 'cmi.suspend_data',
			mastery: 'cmi.scaled_passing_score'
		}
	};

	function isTrue(r) {
		return r === true || String(r) === 'true';
	}

	function Lms(version, api) {
		this.version = version;
		this.api = api;
		this.keys = KEYS[version];
		this.open = false;
	}
	Lms.prototype.call = function (name12, name2004, args) {
		var f = this.api[this.version === '1.2' ? name12 : name2004];
		try {
			return f.apply(this.api, args);
		} catch (e) {
			warn(name2004 + ' threw: ' + e);
			return 'false';
		}
	};
	Lms.prototype.init = function () {
		this.open = isTrue(this.call('LMSInitialize', 'Initialize', ['']));
		if (!this.open)
			warn('Initialize failed: ' + this.error());
		return this.open;
	};
	Lms.prototype.get = function (key) {
		if (!this.open)
			return '';
		var v = this.call('LMSGetValue', 'GetValue', [key]);
		return v === null || v === undefined ? '' : String(v);
	};
	Lms.prototype.set = function (key, value) {
		if (!this.open)
			return false;
		var ok = isTrue(this.call('LMSSetValue', 'SetValue',
		    [key, String(value)]));
		if (!ok)
			warn('SetValue(' + key + ') refused: ' + this.error());
		return ok;
	};
	Lms.prototype.commit = function () {
		if (!this.open)
			return false;
		var ok = isTrue(this.call('LMSCommit', 'Commit', ['']));
		if (!ok)
			warn('Commit failed: ' + this.error());
		return ok;
	};
	Lms.prototype.finish = function () {
		if (!this.open)
			return;
		this.open = false;
		if (!isTrue(this.call('LMSFinish', 'Terminate', [''])))
			warn('Terminate failed');
	};
	Lms.prototype.error = function () {
		var code = this.call('LMSGetLastError', 'GetLastError', []);
		var text = this.call('LMSGetErrorString', 'GetErrorString', [code]);
		return code + ' ' + text;
	};

	function warn(msg) {
		if (window.console && console.warn)
			console.warn('sco.js: ' + msg);
	}

	/* ---------- time formats ---------- */

	function pad(n, width) {
		var s = String(n);
		while (s.length < width)
			s = '0' + s;
		return s;
	}

	/* SCORM 1.2 CMITimespan: HHHH:MM:SS.SS */
	function timespan12(ms) {
		var cs = Math.max(0, Math.round(ms / 10));
		var h = Math.floor(cs / 360000);
		if (h > 9999)
			return '9999:59:59.99';
		var m = Math.floor(cs / 6000) % 60;
		var s = Math.floor(cs / 100) % 60;
		return pad(h, 4) + ':' + pad(m, 2) + ':' + pad(s, 2) + '.' +
		    pad(cs % 100, 2);
	}

	/* SCORM 2004 timeinterval: ISO 8601 duration, PT1H2M3.45S */
	function duration2004(ms) {
		var cs = Math.max(0, Math.round(ms / 10));
		var h = Math.floor(cs / 360000);
		var m = Math.floor(cs / 6000) % 60;
		var s = Math.floor(cs / 100) % 60;
		var out = 'PT';
		if (h)
			out += h + 'H';
		if (h || m)
			out += m + 'M';
		out += s;
		if (cs % 100)
			out += '.' + pad(cs % 100, 2);
		return out + 'S';
	}

	/* ---------- the unit ---------- */

	var body = document.body;
	var version = body.getAttribute('data-scorm') === '2004' ? '2004' : '1.2';
	var unitId = body.getAttribute('data-unit') || 'unit';
	var mastery = parseInt(body.getAttribute('data-mastery'), 10);
	if (!(mastery >= 0 && mastery <= 100))
		mastery = 70;

	var pages = Array.prototype.slice.call(
	    document.querySelectorAll('main .page'));
	var prevBtn = document.getElementById('prev');
	var nextBtn = document.getElementById('next');
	var position = document.getElementById('position');
	var progress = document.getElementById('progress');
	var pager = document.querySelector('.pager');
	var form = document.getElementById('quiz-form');
	var result = document.getElementById('quiz-result');
	var retry = document.getElementById('quiz-retry');
	var quizError = document.getElementById('quiz-error');

	var state = { page: 0, reached: 0, best: null };
	var lms = null;
	var readOnly = false;	/* LMS review mode: show, do not record */
	var started = Date.now();
	var finished = false;

	function show(id, text) {
		var el = document.getElementById(id);
		if (!el)
			return;
		if (text !== undefined)
			el.textContent = text;
		el.hidden = false;
	}

	function connect() {
		var order = version === '2004' ? ['2004', '1.2'] : ['1.2', '2004'];
		for (var i = 0; i < order.length; i++) {
			var name = order[i] === '2004' ? 'API_1484_11' : 'API';
			var api = findApi(name);
			if (api) {
				var candidate = new Lms(order[i], api);
				if (candidate.init())
					return candidate;
				return null;
			}
		}
		return null;
	}

	function pageTitle(i) {
		var h = pages[i].querySelector('h2');
		return h ? h.textContent : '';
	}

	function goTo(i, focus) {
		if (i < 0 || i >= pages.length)
			return;
		for (var k = 0; k < pages.length; k++)
			pages[k].hidden = k !== i;
		state.page = i;
		if (i > state.reached)
			state.reached = i;
		prevBtn.disabled = i === 0;
		nextBtn.disabled = i === pages.length - 1;
		nextBtn.textContent = i === pages.length - 2 ?
		    'Suivant\u00a0: quiz' : 'Suivant';
		position.textContent = 'Page ' + (i + 1) + ' sur ' +
		    pages.length + '\u00a0: ' + pageTitle(i);
		progress.value = i + 1;
		progress.textContent = 'page ' + (i + 1) + ' sur ' + pages.length;
		if (focus) {
			var h = pages[i].querySelector('h2');
			if (h) {
				h.setAttribute('tabindex', '-1');
				h.focus();
			}
			window.scrollTo(0, 0);
		}
		save();
	}

	function suspendData() {
		var d = { v: SUSPEND_VERSION, p: state.page, r: state.reached };
		if (state.best !== null)
			d.b = state.best;
		return JSON.stringify(d);
	}

	/* Location and suspend_data after every page turn, then commit. */
	function save() {
		if (!lms || readOnly)
			return;
		lms.set(lms.keys.location, String(state.page + 1));
		lms.set(lms.keys.suspend, suspendData());
		lms.commit();
	}

	function restore() {
		var loc = parseInt(lms.get(lms.keys.location), 10);
		var raw = lms.get(lms.keys.suspend);
		var d = null;
		if (raw) {
			try {
				d = JSON.parse(raw);
			} catch (e) {
				warn('suspend_data ignored: not ours');
			}
		}
		if (d && typeof d === 'object') {
			if (typeof d.r === 'number')
				state.reached = Math.min(Math.max(0, d.r),
				    pages.length - 1);
			if (typeof d.b === 'number' && d.b >= 0 && d.b <= 100)
				state.best = d.b;
		}
		var page = 0;
		if (loc >= 1 && loc <= pages.length)
			page = loc - 1;
		else if (d && typeof d.p === 'number' && d.p >= 0 &&
		    d.p < pages.length)
			page = d.p;
		if (page > 0 || state.best !== null) {
			var msg = 'Vous reprenez là où vous en étiez (page ' +
			    (page + 1) + ' sur ' + pages.length + ').';
			if (state.best !== null)
				msg += ' Votre meilleur score au quiz\u00a0: ' +
				    state.best + '\u00a0%.';
			show('notice-resume', msg);
		}
		return page;
	}

	function masteryScore() {
		if (!lms)
			return mastery;
		var v = parseFloat(lms.get(lms.keys.mastery));
		if (isNaN(v))
			return mastery;
		if (lms.version === '2004')
			v *= 100;
		return v >= 0 && v <= 100 ? v : mastery;
	}

	function markStarted() {
		if (lms.version === '1.2') {
			var st = lms.get('cmi.core.lesson_status');
			if (st === '' || st === 'not attempted')
				lms.set('cmi.core.lesson_status', 'incomplete');
		} else {
			var cs = lms.get('cmi.completion_status');
			if (cs === '' || cs === 'unknown' || cs === 'not attempted')
				lms.set('cmi.completion_status', 'incomplete');
		}
	}

	function setSessionTime() {
		var ms = Date.now() - started;
		lms.set(lms.keys.sessionTime, lms.version === '1.2' ?
		    timespan12(ms) : duration2004(ms));
	}

	/* ---------- the quiz ---------- */

	function questions() {
		return Array.prototype.slice.call(
		    form.querySelectorAll('.question'));
	}

	function chosen(q) {
		var c = q.querySelector('input[type=radio]:checked');
		return c ? c.value : null;
	}

	function recordInteractions(qs) {
		var n = parseInt(lms.get('cmi.interactions._count'), 10);
		if (isNaN(n))
			return;
		qs.forEach(function (q, i) {
			var p = 'cmi.interactions.' + (n + i) + '.';
			var answer = chosen(q);
			var good = answer === q.getAttribute('data-correct');
			if (lms.version === '1.2') {
				lms.set(p + 'id', unitId + '_q' + (i + 1));
				lms.set(p + 'type', 'choice');
				lms.set(p + 'correct_responses.0.pattern',
				    q.getAttribute('data-correct'));
				lms.set(p + 'student_response', answer);
				lms.set(p + 'result', good ? 'correct' : 'wrong');
			} else {
				lms.set(p + 'id', 'urn:assidu:' + unitId + ':q' +
				    (i + 1));
				lms.set(p + 'type', 'choice');
				var legend = q.querySelector('.qtext');
				if (legend)
					lms.set(p + 'description', '{lang=fr}' +
					    legend.textContent.slice(0, 250));
				lms.set(p + 'correct_responses.0.pattern',
				    q.getAttribute('data-correct'));
				lms.set(p + 'learner_response', answer);
				lms.set(p + 'result', good ? 'correct' : 'incorrect');
			}
		});
	}

	function report(score, passed) {
		if (lms.version === '1.2') {
			lms.set('cmi.core.score.min', '0');
			lms.set('cmi.core.score.max', '100');
			lms.set('cmi.core.score.raw', String(score));
			lms.set('cmi.core.lesson_status', passed ? 'passed' : 'failed');
		} else {
			lms.set('cmi.score.min', '0');
			lms.set('cmi.score.max', '100');
			lms.set('cmi.score.raw', String(score));
			lms.set('cmi.score.scaled', String(score / 100));
			lms.set('cmi.completion_status', 'completed');
			lms.set('cmi.success_status', passed ? 'passed' : 'failed');
		}
	}

	function grade(ev) {
		ev.preventDefault();
		var qs = questions();
		var missing = [];
		qs.forEach(function (q) {
			q.classList.toggle('unanswered', chosen(q) === null);
			if (chosen(q) === null)
				missing.push(q);
		});
		if (missing.length) {
			quizError.textContent = missing.length === 1 ?
			    'Il reste une question sans réponse.' :
			    'Il reste ' + missing.length +
			    ' questions sans réponse.';
			quizError.hidden = false;
			var first = missing[0].querySelector('input');
			if (first)
				first.focus();
			return;
		}
		quizError.hidden = true;

		var right = 0;
		qs.forEach(function (q) {
			var good = chosen(q) === q.getAttribute('data-correct');
			if (good)
				right++;
			q.classList.add(good ? 'correct' : 'wrong');
			var verdict = q.querySelector('.verdict');
			if (verdict)
				verdict.textContent = good ? 'Bonne réponse. ' :
				    'Réponse incorrecte. ';
			var fb = q.querySelector('.feedback');
			if (fb)
				fb.hidden = false;
			Array.prototype.forEach.call(q.querySelectorAll('input'),
			    function (input) {
				input.disabled = true;
			});
		});
		var score = Math.round(100 * right / qs.length);
		var threshold = masteryScore();
		var passed = score >= threshold;
		var bestBefore = state.best;
		if (state.best === null || score > state.best)
			state.best = score;
		var kept = state.best;	/* the LMS gets the best attempt */

		result.className = 'result ' + (passed ? 'passed' : 'failed');
		result.textContent = '';
		var lines = [
			'Votre score\u00a0: ' + score + '\u00a0% (' + right + ' bonne' +
			    (right > 1 ? 's' : '') + ' réponse' +
			    (right > 1 ? 's' : '') + ' sur ' + qs.length + ').'
		];
		if (passed)
			lines.push('Quiz réussi\u00a0: le seuil de réussite est de ' +
			    threshold + '\u00a0%.');
		else if (kept >= threshold)
			lines.push('Ce résultat est sous le seuil de ' + threshold +
			    '\u00a0%, mais votre meilleur score (' + kept +
			    '\u00a0%), qui est celui retenu, valide déjà le quiz.');
		else
			lines.push('Le seuil de réussite est de ' + threshold +
			    '\u00a0%\u00a0: relisez les pages concernées ' +
			    'puis recommencez.');
		if (bestBefore !== null && kept > score &&
		    (passed || kept < threshold))
			lines.push('Votre meilleur score (' + kept +
			    '\u00a0%) reste celui qui est retenu.');
		if (!lms)
			lines.push('Mode hors plateforme\u00a0: ce résultat n\'est pas ' +
			    'enregistré.');
		lines.forEach(function (t) {
			var p = document.createElement('p');
			p.textContent = t;
			result.appendChild(p);
		});
		result.hidden = false;
		retry.hidden = false;
		form.querySelector('button[type=submit]').hidden = true;

		if (lms && !readOnly) {
			recordInteractions(qs);
			report(kept, kept >= threshold);
			setSessionTime();
			save();	/* suspend_data with the best score, then commit */
		}
		result.setAttribute('tabindex', '-1');
		result.focus();
	}

	function resetQuiz() {
		form.reset();
		questions().forEach(function (q) {
			q.classList.remove('correct', 'wrong', 'unanswered');
			var fb = q.querySelector('.feedback');
			if (fb)
				fb.hidden = true;
			Array.prototype.forEach.call(q.querySelectorAll('input'),
			    function (input) {
				input.disabled = false;
			});
		});
		result.hidden = true;
		retry.hidden = true;
		quizError.hidden = true;
		form.querySelector('button[type=submit]').hidden = false;
		var first = form.querySelector('input');
		if (first)
			first.focus();
	}

	/* ---------- session end ---------- */

	function finish() {
		if (!lms || finished)
			return;
		finished = true;
		if (!readOnly) {
			lms.set(lms.keys.location, String(state.page + 1));
			lms.set(lms.keys.suspend, suspendData());
			setSessionTime();
			/* Always suspend, so a later launch resumes with the data. */
			lms.set(lms.keys.exit, 'suspend');
			lms.commit();
		}
		lms.finish();
	}

	/* ---------- start ---------- */

	if (!pages.length || !prevBtn || !nextBtn)
		return;
	lms = connect();
	var first = 0;
	if (lms) {
		var mode = lms.get(lms.keys.mode);
		readOnly = mode === 'review' || mode === 'browse';
		first = restore();
		if (!readOnly) {
			markStarted();
			lms.commit();
		}
	} else {
		show('notice-offline');
	}

	prevBtn.addEventListener('click', function () {
		goTo(state.page - 1, true);
	});
	nextBtn.addEventListener('click', function () {
		goTo(state.page + 1, true);
	});
	if (form) {
		form.addEventListener('submit', grade);
		retry.addEventListener('click', resetQuiz);
	}
	window.addEventListener('pagehide', finish);
	document.addEventListener('visibilitychange', function () {
		if (document.visibilityState === 'hidden' && lms && !finished &&
		    !readOnly)
			lms.commit();
	});
	/* Back from the back-forward cache after Terminate: nothing records. */
	window.addEventListener('pageshow', function (ev) {
		if (ev.persisted && finished) {
			lms = null;
			show('notice-offline');
		}
	});

	pager.hidden = false;
	progress.hidden = false;
	goTo(first, false);
}());
