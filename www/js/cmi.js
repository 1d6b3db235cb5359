"use strict";

// The SCORM run-time data model in the browser (DESIGN §4): the rules of
// src/cmi.c, driven by the same table (`assidu datamodel --json`, served at
// /api/v1/runtime/datamodel), so that GetValue and SetValue answer the SCO
// at once with the codes the server will give when it checks the values
// again. tests/data/cmi-vectors.json keeps the two in agreement: change
// one, change the other, and the vectors.

const MAX_CS = 1e15;	// longest duration, as cmi.c

// Types whose check needs their element (vocabulary) or that have none.
const NEEDS_ELEMENT = new Set(["_children", "_count", "_version",
	"vocabulary", "result", "unimplemented"]);

const ITYPES = ["true-false", "choice", "fill-in", "long-fill-in", "likert",
	"matching", "performance", "sequencing", "numeric", "other"];

function isDigit(ch) {
	return ch >= "0" && ch <= "9";
}

function isAlpha(ch) {
	return (ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z");
}

function isXdigit(ch) {
	return isDigit(ch) || (ch >= "a" && ch <= "f") ||
	    (ch >= "A" && ch <= "F");
}

// Characters (code points) of a string, or -1 when the server could not
// take it as UTF-8 text: a lone surrogate, or NUL.
function charCount(s) {
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c === 0)
			return -1;
		if (c >= 0xd800 && c <= 0xdbff) {
			const d = s.charCodeAt(i + 1);
			if (!(d >= 0xdc00 && d <= 0xdfff))
				return -1;
			i++;
		} else if (c >= 0xdc00 && c <= 0xdfff)
			return -1;
		n++;
	}
	return n;
}

// Up to max digits at s[i]: [value, used], value -1 when none or too many.
function number(s, i, max) {
	let j = i;
	while (j < s.length && j - i < max + 1 && isDigit(s[j]))
		j++;
	const used = j - i;
	if (used === 0 || used > max)
		return [-1, used];
	return [Number(s.slice(i, j)), used];
}

// Exactly k digits at s[pos.i], advancing pos.i; -1 if not.
function fixed(s, pos, k) {
	let v = 0;
	while (k-- > 0) {
		if (pos.i >= s.length || !isDigit(s[pos.i]))
			return -1;
		v = v * 10 + (s.charCodeAt(pos.i++) - 48);
	}
	return v;
}

// An optional .d or .dd at s[pos.i], advancing pos.i: hundredths, 0 if
// none, -1 (as cmi_hundredths).
function hundredths(s, pos) {
	if (pos.i >= s.length || s[pos.i] !== ".")
		return 0;
	pos.i++;
	let cs = fixed(s, pos, 1);
	if (cs < 0)
		return -1;
	cs *= 10;
	if (pos.i < s.length && isDigit(s[pos.i]))
		cs += Number(s[pos.i++]);
	return cs;
}

// xs:decimal: an optional sign, digits with an optional point, no exponent.
function isDecimal(s) {
	return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s);
}

function isSinteger(s) {
	return /^[+-]?\d+$/.test(s);
}

// 1.2 CMITime: HH:MM:SS with an optional .S or .SS.
function isTime(s) {
	const m = /^(\d\d):(\d\d):(\d\d)(\.\d{1,2})?$/.exec(s);
	return m !== null && Number(m[1]) <= 23 && Number(m[2]) <= 59 &&
	    Number(m[3]) <= 59;
}

// 1.2 CMITimespan to centiseconds, -1 when invalid.
export function timespanCs(s) {
	const m = /^(\d{2,4}):(\d\d):(\d\d)(?:\.(\d)(\d)?)?$/.exec(s);
	if (m === null || Number(m[2]) > 59 || Number(m[3]) > 59)
		return -1;
	const cs = m[4] === undefined ? 0 :
	    Number(m[4]) * 10 + (m[5] === undefined ? 0 : Number(m[5]));
	return Number(m[1]) * 360000 + Number(m[2]) * 6000 +
	    Number(m[3]) * 100 + cs;
}

// 2004 timeinterval to centiseconds, -1 when invalid (as cmi_duration).
export function durationCs(s) {
	const units = [["Y", false, 365 * 8640000], ["M", false, 30 * 8640000],
		["D", false, 8640000], ["H", true, 360000], ["M", true, 6000],
		["S", true, 100]];
	if (s.length < 2 || s[0] !== "P")
		return -1;
	let i = 1, u = 0, intime = false, any = false, total = 0;
	while (i < s.length) {
		if (s[i] === "T") {
			if (intime || ++i === s.length)
				return -1;
			intime = true;
			if (u < 3)
				u = 3;
			continue;
		}
		const [v, used] = number(s, i, 15);
		if (v < 0)
			return -1;
		i += used;
		const dot = i < s.length && s[i] === ".";
		const pos = { i };
		const frac = hundredths(s, pos);
		i = pos.i;
		if (frac < 0 || i >= s.length)
			return -1;
		let k = u;
		while (k < units.length &&
		    !(units[k][0] === s[i] && units[k][1] === intime))
			k++;
		if (k === units.length || (dot && units[k][0] !== "S"))
			return -1;
		if (v > Math.floor(MAX_CS / units[k][2]))
			return -1;
		total += v * units[k][2] + frac;
		if (total > MAX_CS)
			return -1;
		u = k + 1;
		any = true;
		i++;
	}
	return any ? total : -1;
}

// 2004 time (second,10,0), years 1970 to 2038, as cmi_is_timestamp().
function isTimestamp(s) {
	const mdays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
	const n = s.length, pos = { i: 0 };
	const y = fixed(s, pos, 4);
	let v;
	if (y < 1970 || y > 2038)
		return false;
	if (pos.i === n)
		return true;
	if (s[pos.i++] !== "-" || (v = fixed(s, pos, 2)) < 1 || v > 12)
		return false;
	if (pos.i === n)
		return true;
	const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
	const days = mdays[v - 1] + (v === 2 && leap ? 1 : 0);
	if (s[pos.i++] !== "-" || (v = fixed(s, pos, 2)) < 1 || v > days)
		return false;
	if (pos.i === n)
		return true;
	if (s[pos.i++] !== "T" || (v = fixed(s, pos, 2)) < 0 || v > 23)
		return false;
	if (pos.i === n)
		return true;
	if (s[pos.i++] !== ":" || (v = fixed(s, pos, 2)) < 0 || v > 59)
		return false;
	if (pos.i === n)
		return true;
	if (s[pos.i++] !== ":" || (v = fixed(s, pos, 2)) < 0 || v > 59)
		return false;
	if (hundredths(s, pos) < 0)
		return false;
	if (pos.i === n)
		return true;
	if (s[pos.i] === "Z" || s[pos.i] === "z")
		return pos.i + 1 === n;
	if (s[pos.i] !== "+" && s[pos.i] !== "-")
		return false;
	pos.i++;
	if ((v = fixed(s, pos, 2)) < 0 || v > 23)
		return false;
	if (pos.i === n)
		return true;
	if (s[pos.i++] !== ":" || (v = fixed(s, pos, 2)) < 0 || v > 59)
		return false;
	return pos.i === n;
}

// 1.2 CMIIdentifier: no white space, no control character.
function isIdentifier(s) {
	if (s.length === 0)
		return false;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c <= 0x20 || c === 0x7f)
			return false;
	}
	return true;
}

// 2004 long and short identifiers: a URI, "urn:" ones with NID and NSS.
function isUri(s) {
	if (s.length === 0)
		return false;
	let hash = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c <= 0x20 || c === 0x7f || "<>\"{}|\\^`[]".includes(s[i]))
			return false;
		if (s[i] === "%" && (i + 2 >= s.length || !isXdigit(s[i + 1]) ||
		    !isXdigit(s[i + 2])))
			return false;
		if (s[i] === "#" && hash++ > 0)
			return false;
	}
	if (s.length < 4 || s.slice(0, 4).toLowerCase() !== "urn:")
		return true;
	let i = 4, nid = 0;
	while (i < s.length && (isAlpha(s[i]) || isDigit(s[i]) ||
	    (s[i] === "-" && nid > 0))) {
		i++;
		nid++;
	}
	return nid >= 1 && nid <= 32 && i + 1 < s.length && s[i] === ":";
}

// language_type (RFC 3066): en, fr-CA, i-klingon, x-private; "" too.
function isLanguage(s) {
	if (s.length === 0)
		return true;
	let i = 0;
	while (i < s.length && isAlpha(s[i]))
		i++;
	if (i === 1 && "iIxX".includes(s[0])) {
		if (i === s.length)
			return false;
	} else if (i < 2 || i > 3)
		return false;
	while (i < s.length) {
		if (s[i++] !== "-")
			return false;
		let k = 0;
		while (i < s.length && (isAlpha(s[i]) || isDigit(s[i]))) {
			i++;
			k++;
		}
		if (k < 1 || k > 8)
			return false;
	}
	return true;
}

// The delimiters that may open a value ({lang=fr}, {case_matters=true}),
// each of names once: where the value proper starts, or -1 when one of
// them has an invalid value.
function delims(s, names) {
	let i = 0;
	const seen = new Set();
	while (i < s.length && s[i] === "{") {
		const close = s.indexOf("}", i);
		if (close < 0)
			break;
		const eq = s.indexOf("=", i);
		if (eq < 0 || eq > close)
			break;
		const name = s.slice(i + 1, eq);
		if (!names.includes(name) || seen.has(name))
			break;
		seen.add(name);
		const v = s.slice(eq + 1, close);
		if (name === "lang") {
			if (v === "" || !isLanguage(v))
				return -1;
		} else if (v !== "true" && v !== "false")
			return -1;
		i = close + 1;
	}
	return i;
}

function isLocalized(s) {
	return delims(s, ["lang"]) >= 0;
}

// Where sep is in s, and whether it is there twice.
function find(s, sep) {
	const first = s.indexOf(sep);
	if (first < 0)
		return [-1, false];
	return [first, s.indexOf(sep, first + sep.length) >= 0];
}

// numeric range: [min][:][max], either may be left out, min <= max.
function isRange(s) {
	const [at, twice] = find(s, "[:]");
	if (at < 0 || twice)
		return false;
	const a = s.slice(0, at), b = s.slice(at + 3);
	if ((a !== "" && !isDecimal(a)) || (b !== "" && !isDecimal(b)))
		return false;
	return a === "" || b === "" || Number(a) <= Number(b);
}

function isChoice(s) {
	if (s === "")
		return true;
	const items = s.split("[,]");
	return items.every(isUri) && new Set(items).size === items.length;
}

// Pairs [.]-joined, [,] between: matching (ids) or performance steps.
function isPairs(s, steps) {
	for (const item of s.split("[,]")) {
		const [dot, twice] = find(item, "[.]");
		if (dot < 0 || twice)
			return false;
		const a = item.slice(0, dot), b = item.slice(dot + 3);
		if (!steps) {
			if (!isUri(a) || !isUri(b))
				return false;
			continue;
		}
		if ((a === "" && b === "") || (a !== "" && !isUri(a)))
			return false;
		if (find(b, "[:]")[0] >= 0 && !isRange(b))
			return false;
	}
	return true;
}

// 2004 correct_responses.n.pattern and learner_response by type.
function isInteraction(it, pattern, s) {
	let p;
	switch (it) {
	case "true-false":
		return s === "true" || s === "false";
	case "choice":
		return isChoice(s);
	case "fill-in":
		p = pattern ? delims(s, ["case_matters", "order_matters"]) : 0;
		return p >= 0 && s.slice(p).split("[,]").every(isLocalized);
	case "long-fill-in":
		return delims(s, pattern ? ["case_matters", "lang"] :
		    ["lang"]) >= 0;
	case "likert":
		return isUri(s);
	case "matching":
		return s === "" ? !pattern : isPairs(s, false);
	case "performance":
		p = pattern ? delims(s, ["order_matters"]) : 0;
		return p >= 0 && p < s.length && isPairs(s.slice(p), true);
	case "sequencing":
		return s !== "" && s.split("[,]").every(isUri);
	case "numeric":
		return pattern ? isRange(s) : isDecimal(s);
	case "other":
		return true;
	}
	return false;
}

// 1.2 CMIFeedback: only true-false and numeric have a format.
function isFeedback(it, s) {
	if (it === "true-false")
		return ["0", "1", "t", "f", "true", "false"].includes(s);
	if (it === "numeric")
		return isDecimal(s);
	return true;
}

function inVocab(vocab, s) {
	return Array.isArray(vocab) && vocab.includes(s);
}

// adl.nav.request: a token, or {target=ID}choice, {target=ID}jump.
function isNavRequest(vocab, s) {
	if (inVocab(vocab, s))
		return true;
	if (s.length < 9 || !s.startsWith("{target="))
		return false;
	const close = s.indexOf("}");
	if (close < 0)
		return false;
	const rest = s.slice(close + 1);
	return isUri(s.slice(8, close)) && (rest === "choice" ||
	    rest === "jump");
}

// Type and range of a value, it the interaction's type or null: the name
// of the condition ("ok", "type", "range").
function checkValue(e, it, s) {
	let ok;
	switch (e.type) {
	case "string":
		ok = true;
		break;
	case "localized_string":
		ok = isLocalized(s);
		break;
	case "identifier":
		ok = isIdentifier(s);
		break;
	case "long_identifier":
	case "short_identifier":
		ok = isUri(s);
		break;
	case "decimal":
	case "real":
		if (s === "" && (e.flags || []).includes("blank"))
			return "ok";
		ok = isDecimal(s);
		break;
	case "sinteger":
		ok = isSinteger(s);
		break;
	case "timespan":
		ok = timespanCs(s) >= 0;
		break;
	case "time":
		ok = isTime(s);
		break;
	case "duration":
		ok = durationCs(s) >= 0;
		break;
	case "timestamp":
		ok = isTimestamp(s);
		break;
	case "language":
		ok = isLanguage(s);
		break;
	case "vocabulary":
		ok = inVocab(e.vocab, s);
		break;
	case "result":
		ok = inVocab(e.vocab, s) || isDecimal(s);
		break;
	case "feedback":
		ok = isFeedback(it, s);
		break;
	case "pattern":
	case "response":
		ok = it !== null && isInteraction(it, e.type === "pattern", s);
		break;
	case "nav_request":
		ok = isNavRequest(e.vocab, s);
		break;
	default:
		ok = false;
	}
	if (!ok)
		return "type";
	if (["decimal", "real", "sinteger"].includes(e.type) &&
	    (e.min !== undefined || e.max !== undefined)) {
		const v = Number(s);
		if ((e.min !== undefined && v < e.min) ||
		    (e.max !== undefined && v > e.max))
			return "range";
	}
	return "ok";
}

// A concrete name against a pattern of the table: the collection indices
// and where each starts, or null. With prefix, the first segments match.
function match(pat, name, prefix) {
	const r = { idx: [], off: [] };
	let p = 0, s = 0;
	for (;;) {
		let pe = pat.indexOf(".", p);
		if (pe < 0)
			pe = pat.length;
		const seg = pat.slice(p, pe);
		if (seg === "n") {
			const [v, used] = number(name, s, 9);
			if (v < 0 || (used > 1 && name[s] === "0") ||
			    r.idx.length === 2)
				return null;
			r.idx.push(v);
			r.off.push(s);
			s += used;
		} else if (seg === "{target=*}") {
			const close = name.indexOf("}", s);
			if (!name.startsWith("{target=", s) || close < 0 ||
			    close !== name.length - 1 || close === s + 8)
				return null;
			s = close + 1;
		} else {
			if (!name.startsWith(seg, s))
				return null;
			s += seg.length;
		}
		if (pe === pat.length)
			return s === name.length ? r : null;
		if (s === name.length)
			return prefix ? r : null;
		if (name[s] !== ".")
			return null;
		p = pe + 1;
		s++;
	}
}

// The keyword that ends a name (_children, _count, _version), or null.
function keyword(name) {
	const dot = name.lastIndexOf(".");
	const kw = name.slice(dot + 1);
	if (dot < 0 || !["_children", "_count", "_version"].includes(kw))
		return null;
	return kw;
}

// pat with its n replaced by idx, the last one by last when last >= 0.
function subst(pat, idx, last) {
	let k = 0;
	return pat.split(".").map((seg) => {
		if (seg !== "n" || k >= 2)
			return seg;
		const v = k === idx.length - 1 && last >= 0 ? last : idx[k];
		k++;
		return String(v);
	}).join(".");
}

function undefinedCond(name) {
	return name === "cmi" || name.startsWith("cmi.") ? "undefined" :
	    "foreign";
}

// A number as the shortest decimal of at most 7 places.
function formatReal(v) {
	const s = v.toFixed(7).replace(/0+$/, "").replace(/\.$/, "");
	return s === "-0" ? "0" : s;
}

// Centiseconds as 1.2 CMITimespan (HHHH:MM:SS.SS), as cmi.c.
export function formatTimespan(cs) {
	const max = 9999 * 360000 + 359999;
	cs = Math.min(Math.max(Math.trunc(cs), 0), max);
	const pad = (v, k) => String(v).padStart(k, "0");
	return `${pad(Math.floor(cs / 360000), 4)}:` +
	    `${pad(Math.floor(cs / 6000) % 60, 2)}:` +
	    `${pad(Math.floor(cs / 100) % 60, 2)}.${pad(cs % 100, 2)}`;
}

// Centiseconds as a 2004 timeinterval (PTnHnMn.nS), as cmi.c.
export function formatDuration(cs) {
	cs = Math.min(Math.max(Math.trunc(cs), 0), MAX_CS);
	const h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60;
	const s = Math.floor(cs / 100) % 60, f = cs % 100;
	let frac = "";
	if (f > 0 && f % 10 === 0)
		frac = `.${f / 10}`;
	else if (f > 0)
		frac = `.${String(f).padStart(2, "0")}`;
	return `PT${h}H${m}M${s}${frac}S`;
}

// The text values of a launch by version (struct cmi_launch in cmi.c).
const LAUNCH_TEXTS = [
	["cmi.core.student_id", "cmi.learner_id", "learner_id"],
	["cmi.core.student_name", "cmi.learner_name", "learner_name"],
	["cmi.core.entry", "cmi.entry", "entry"],
	["cmi.core.credit", "cmi.credit", "credit"],
	["cmi.core.lesson_mode", "cmi.mode", "mode"],
	["cmi.student_data.max_time_allowed", "cmi.max_time_allowed",
		"max_time"],
	["cmi.student_data.time_limit_action", "cmi.time_limit_action",
		"time_action"],
	["cmi.launch_data", "cmi.launch_data", "launch_data"],
];

// Elements that belong to one session: a new one starts without them.
const SESSION = ["cmi.core.exit", "cmi.core.session_time", "cmi.exit",
	"cmi.session_time", "adl.nav.request"];

// The run-time data of one attempt of one SCO, as struct cmi.
export class Cmi {
	constructor(model, version) {
		const v = model.versions[String(version)];
		if (v === undefined)
			throw new Error(`no SCORM version ${version}`);
		this.model = model;
		this.version = Number(version);
		this.elements = v.elements;
		this.values = new Map();	// name -> { value, dirty }
		this.counts = new Map();	// collection -> item count
		this.diagnostic = "";		// of the last error
	}

	lookup(name) {
		for (const e of this.elements) {
			const r = match(e.name, name, false);
			if (r !== null) {
				r.e = e;
				return r;
			}
		}
		return null;
	}

	known(prefix) {
		return this.elements.some((e) => match(e.name, prefix, true));
	}

	raw(name) {
		const v = this.values.get(name);
		return v === undefined ? null : v.value;
	}

	levelCount(name, r, i) {
		return this.counts.get(name.slice(0, r.off[i] - 1)) || 0;
	}

	store(name, value, dirty) {
		this.values.set(name, { value: String(value), dirty });
		const r = this.lookup(name);
		if (r === null)
			return;
		r.idx.forEach((idx, i) => {
			const key = name.slice(0, r.off[i] - 1);
			if ((this.counts.get(key) || 0) < idx + 1)
				this.counts.set(key, idx + 1);
		});
	}

	// A value the server sent (saved state, launch values), taken as is.
	put(name, value) {
		this.store(String(name), value, false);
	}

	// The launch values (struct cmi_launch's fields, snake_case), as
	// cmi_begin(); the player puts what the server computed instead.
	begin(l) {
		const v12 = this.version === 12;
		for (const name of SESSION)
			this.values.delete(name);
		for (const [n12, n04, key] of LAUNCH_TEXTS) {
			if (l[key] !== undefined && l[key] !== null)
				this.store(v12 ? n12 : n04, l[key], false);
		}
		const total = l.total_cs || 0;
		const mastery = l.mastery ?? -1;
		const completion = l.completion ?? -1;
		if (v12) {
			this.store("cmi.core.total_time", formatTimespan(total),
			    false);
			if (mastery >= 0)
				this.store("cmi.student_data.mastery_score",
				    formatReal(mastery * 100), false);
			if (this.raw("cmi.core.lesson_status") === null)
				this.store("cmi.core.lesson_status",
				    "not attempted", false);
			return;
		}
		this.store("cmi.total_time", formatDuration(total), false);
		if (mastery >= 0)
			this.store("cmi.scaled_passing_score",
			    formatReal(mastery), false);
		if (completion >= 0)
			this.store("cmi.completion_threshold",
			    formatReal(completion), false);
		for (const name of ["cmi.completion_status",
		    "cmi.success_status"]) {
			if (this.raw(name) === null)
				this.store(name, "unknown", false);
		}
	}

	storedNumber(name) {
		const s = this.raw(name);
		return s !== null && isDecimal(s) ? Number(s) : null;
	}

	// 2004 RTE 4.2.4.1 and 4.2.22.1, as cmi_eval().
	evaluate(name) {
		const completion = name === "cmi.completion_status";
		const limit = this.storedNumber(completion ?
		    "cmi.completion_threshold" : "cmi.scaled_passing_score");
		if (limit !== null) {
			const m = this.storedNumber(completion ?
			    "cmi.progress_measure" : "cmi.score.scaled");
			if (m === null)
				return "unknown";
			if (completion)
				return m >= limit ? "completed" : "incomplete";
			return m >= limit ? "passed" : "failed";
		}
		return this.raw(name) ?? "unknown";
	}

	// The code of a condition in this version, with its diagnostic.
	fail(cond, name, detail) {
		const code = cond === "ok" ? 0 :
		    this.model.conditions[cond][String(this.version)];
		if (code === 0) {
			this.diagnostic = "";
			return 0;
		}
		if (name.length > 120 || charCount(name) < 0)
			name = "element";
		const text = this.model.conditions[cond].text;
		this.diagnostic = `${name}: ${text}` +
		    (detail ? ` (${detail})` : "");
		return code;
	}

	checkGet(name) {
		if (name === "")
			return ["get_empty", ""];
		if (charCount(name) < 0)
			return [undefinedCond(name), ""];
		const r = this.lookup(name);
		if (r === null) {
			const kw = keyword(name);
			if (kw === null || !this.known(name.slice(0,
			    name.length - kw.length - 1)))
				return [undefinedCond(name), ""];
			if (kw === "_children")
				return ["no_children", ""];
			if (kw === "_count")
				return ["no_count", ""];
			return ["no_version", ""];
		}
		const e = r.e;
		if (e.type === "unimplemented")
			return ["unimplemented", ""];
		if (e.access === "wo")
			return ["write_only", ""];
		for (let i = 0; i < r.idx.length; i++) {
			if (r.idx[i] >= this.levelCount(name, r, i))
				return ["get_index", ""];
		}
		if (e.type === "_children" || e.type === "_version")
			return ["ok", e.default];
		if (e.type === "_count") {
			const key = name.slice(0, -"._count".length);
			return ["ok", String(this.counts.get(key) || 0)];
		}
		if ((e.flags || []).includes("eval"))
			return ["ok", this.evaluate(name)];
		const s = this.raw(name);
		if (s !== null)
			return ["ok", s];
		if (e.default !== undefined)
			return ["ok", e.default];
		return ["not_init", ""];
	}

	// GetValue: [code, value].
	get(name) {
		name = String(name);
		const [cond, value] = this.checkGet(name);
		return [this.fail(cond, name), value];
	}

	// Item limit of the collection at index level of e's name.
	limit(e, level, it) {
		const segs = e.name.split(".");
		let k = -1, at = segs.length;
		for (let i = 1; i < segs.length; i++) {
			if (segs[i] === "n" && ++k === level) {
				at = i;
				break;
			}
		}
		const pat = [...segs.slice(0, at), "_count"].join(".");
		const row = this.elements.find((x) => x.name === pat);
		if (row === undefined)
			return 0;
		if ((row.flags || []).includes("bytype") && it !== null)
			return this.model.itypes[it].responses;
		return row.spm || 0;
	}

	// Whether another item of the same collection has this value.
	taken(name, r, value) {
		const last = r.idx.length - 1;
		const count = this.levelCount(name, r, last);
		for (let m = 0; m < count; m++) {
			if (m !== r.idx[last] &&
			    this.raw(subst(r.e.name, r.idx, m)) === value)
				return true;
		}
		return false;
	}

	interactionType(name, r) {
		if (r.idx.length === 0 || !name.startsWith("cmi.interactions."))
			return null;
		const t = this.raw(`cmi.interactions.${r.idx[0]}.type`);
		return ITYPES.includes(t) ? t : null;
	}

	checkSet(name, value) {
		if (name === "")
			return ["set_empty"];
		if (charCount(name) < 0)
			return [undefinedCond(name)];
		const r = this.lookup(name);
		if (r !== null && r.e.type === "unimplemented")
			return ["unimplemented"];
		const kw = keyword(name);
		if (kw !== null && (r !== null ||
		    this.known(name.slice(0, name.length - kw.length - 1))))
			return ["set_keyword"];
		if (r === null)
			return [undefinedCond(name)];
		const e = r.e;
		if (e.access === "ro")
			return ["read_only"];
		let fresh = -1;
		for (let i = 0; i < r.idx.length; i++) {
			const count = this.levelCount(name, r, i);
			if (r.idx[i] > count)
				return ["set_index"];
			if (r.idx[i] === count && fresh < 0)
				fresh = i;
		}
		if (e.dep !== undefined &&
		    this.raw(subst(e.dep, r.idx, -1)) === null)
			return ["dependency"];
		const it = this.interactionType(name, r);
		for (let i = fresh; i >= 0 && i < r.idx.length; i++) {
			if (r.idx[i] >= this.limit(e, i, it))
				return ["limit"];
		}
		const len = charCount(value);
		if (len < 0)
			return ["type", e.type];
		if (this.version === 12 && e.spm > 0 && len > e.spm)
			return ["type", e.type];
		if (len > this.model.cap)
			return ["too_long"];
		const cond = checkValue(e, it, value);
		if (cond !== "ok")
			return [cond, e.type];
		const flags = e.flags || [];
		const old = this.raw(name);
		if (flags.includes("once") && old !== null && old !== value)
			return ["unique"];
		if ((flags.includes("unique") || (flags.includes("bytype") &&
		    it !== null && this.model.itypes[it].unique)) &&
		    this.taken(name, r, value))
			return ["unique"];
		return ["ok"];
	}

	// SetValue: the code, 0 when the value is stored.
	set(name, value) {
		name = String(name);
		value = String(value);
		const [cond, detail] = this.checkSet(name, value);
		if (cond === "ok")
			this.store(name, value, true);
		return this.fail(cond, name, cond === "type" ? detail : null);
	}

	// What GetValue would see, whatever the element's access.
	current(name) {
		const s = this.raw(name);
		if (s !== null)
			return s;
		const r = this.lookup(name);
		if (r === null || r.e.default === undefined)
			return "";
		return r.e.default;
	}

	change(name, value) {
		if (this.raw(name) !== value)
			this.store(name, value, true);
	}

	// LMSFinish/Terminate, as cmi_finish().
	finish() {
		if (this.version === 2004) {
			for (const name of ["cmi.completion_status",
			    "cmi.success_status"])
				this.change(name, this.evaluate(name));
			return;
		}
		const st = "cmi.core.lesson_status";
		const mode = this.current("cmi.core.lesson_mode");
		if (this.current(st) === "not attempted")
			this.change(st, mode === "browse" ? "browsed" :
			    "completed");
		const mastery = this.current("cmi.student_data.mastery_score");
		const raw = this.current("cmi.core.score.raw");
		if (this.current("cmi.core.credit") !== "credit" ||
		    mode !== "normal" || !isDecimal(mastery) || !isDecimal(raw))
			return;
		this.change(st, Number(raw) >= Number(mastery) ? "passed" :
		    "failed");
	}

	// The stored values in insertion order: [name, value, dirty].
	entries() {
		return [...this.values].map(([n, v]) => [n, v.value, v.dirty]);
	}

	// The values set since creation or the last clean(), to commit.
	changes() {
		return this.entries().filter((x) => x[2]).map((x) =>
		    [x[0], x[1]]);
	}

	clean() {
		for (const v of this.values.values())
			v.dirty = false;
	}
}

// The spec's text of an error code ("" when unknown), or the French one.
export function errorString(model, version, code, lang = "en") {
	const e = model.versions[String(version)]?.errors[String(code)];
	return e === undefined ? "" : e[lang] ?? e.en;
}

// Whether value is lexically valid for a type of the model, as cmi_valid():
// true, false, or null for a type that needs its element.
export function valid(model, type, itype, value) {
	const types = ["string", "localized_string", "identifier",
		"long_identifier", "short_identifier", "decimal", "real",
		"sinteger", "timespan", "time", "duration", "timestamp",
		"language", "feedback", "pattern", "response", "nav_request"];
	if (NEEDS_ELEMENT.has(type) || !types.includes(type))
		return null;
	const e = { type };
	if (type === "nav_request")
		e.vocab = model.versions["2004"].elements.find((x) =>
		    x.name === "adl.nav.request").vocab;
	if (charCount(value) < 0)
		return false;
	return checkValue(e, ITYPES.includes(itype) ? itype : null, value) ===
	    "ok";
}

// Whether a concrete element belongs to the attempt's saved state.
export function stored(model, name) {
	return Object.values(model.versions).some((v) => v.elements.some((e) =>
	    e.access !== "ro" && !(e.flags || []).includes("session") &&
	    match(e.name, name, false) !== null));
}
