"use strict";

// The SCORM run-time in the browser (DESIGN §4). Each launch of a SCO gets a
// fresh API object, window.API (SCORM 1.2) or window.API_1484_11 (2004),
// with the state machine and error codes of its spec; the data model answers
// come from cmi.js, the table the server checks with. What the SCO sets goes
// to the server in numbered, cumulative batches: a commit is journaled in
// localStorage, then sent with a keepalive fetch and retried with back-off;
// when the page hides or goes away the last batch leaves by sendBeacon; and
// whatever the server has not acknowledged is replayed by replayJournal() on
// the next load of the player.
//
// Every browser global (window, document, fetch, sendBeacon, localStorage,
// timers) comes from an options object with the browser's as defaults, so
// node runs this module in the tests.

import { Cmi, errorString } from "./cmi.js";

export const JOURNAL_PREFIX = "assidu.rte.";
// Keepalive fetches and beacons share a 64 KiB quota per page.
export const KEEPALIVE_MAX = 60 * 1024;
// Failed sends in a row before Commit answers "false" (391).
export const MAX_ATTEMPTS = 5;
export const BACKOFF_MS = 1000;
export const BACKOFF_MAX_MS = 60000;
export const AUTOCOMMIT_MS = 60000;
// Connection time (DESIGN §5): a heartbeat every 30 s while the unit is
// visible; it counts as active when the learner did something (input,
// scroll, a playing video) in the last 5 minutes. The server credits it.
export const HEARTBEAT_MS = 30000;
export const ACTIVE_MS = 5 * 60000;
const ACTIVITY_EVENTS = ["pointerdown", "keydown", "wheel", "touchstart",
    "scroll"];
const REQUEST_TIMEOUT_MS = 30000;
const TEXT_MAX = 255;	// GetErrorString, GetDiagnostic (IEEE 1484.11.2)

const NEW = 0;		// before Initialize
const RUNNING = 1;
const ENDED = 2;	// after Terminate / LMSFinish, or closed by the player

const SESSIONS_PATH = "/api/v1/runtime/sessions";
const MODEL_PATH = "/api/v1/runtime/datamodel";

function localStore() {
	try {
		return globalThis.localStorage ?? null;
	} catch {
		return null;	// storage disabled: no journal, still delivered
	}
}

// The browser's globals, or what opts gives instead.
function environment(opts = {}) {
	const g = globalThis;
	const nav = g.navigator;
	const env = {
		window: g.window ?? null,
		document: g.document ?? null,
		fetch: g.fetch ? (url, init) => g.fetch(url, init) : null,
		sendBeacon: nav?.sendBeacon ?
		    (url, data) => nav.sendBeacon(url, data) : null,
		storage: null,
		setTimeout: (f, ms) => g.setTimeout(f, ms),
		clearTimeout: (t) => g.clearTimeout(t),
		setInterval: (f, ms) => g.setInterval(f, ms),
		clearInterval: (t) => g.clearInterval(t),
		now: () => Date.now(),
		base: "",		// prefix of the API paths (an origin)
		csrf: () => null,	// the session's CSRF token
		refreshCsrf: null,	// async () => a fresh token, or null
		user: null,		// who the journal entries belong to
	};
	for (const k of Object.keys(env))
		if (opts[k] !== undefined)
			env[k] = opts[k];
	if (opts.storage === undefined)
		env.storage = localStore();
	return env;
}

// SCORM passes "" where there is nothing to pass; a missing argument counts
// as "" (as in ADL's sample RTE), anything else is converted to a string.
function arg(x) {
	return x === undefined || x === null ? "" : String(x);
}

function cap(s) {
	return s.length > TEXT_MAX ? s.slice(0, TEXT_MAX) : s;
}

function byteLength(s) {
	return new TextEncoder().encode(s).length;
}

export function commitPath(session) {
	return SESSIONS_PATH + "/" + session + "/commits";
}

export function beatPath(session) {
	return SESSIONS_PATH + "/" + session + "/beats";
}

export function journalKey(session) {
	return JOURNAL_PREFIX + session;
}

// One POST or GET with a JSON answer. Resolves {status, data, retryAfter};
// status 0 is a network error or a timeout.
async function request(env, method, path, body, opts = {}) {
	const init = { method, credentials: "same-origin", cache: "no-store",
	    headers: { Accept: "application/json", ...(opts.headers || {}) } };
	if (body !== undefined) {
		init.body = body;
		init.headers["Content-Type"] = "application/json";
	}
	if (opts.keepalive)
		init.keepalive = true;
	let timer = null;
	if (typeof AbortController === "function") {
		const ctl = new AbortController();
		init.signal = ctl.signal;
		timer = env.setTimeout(() => ctl.abort(), REQUEST_TIMEOUT_MS);
	}
	try {
		const res = await env.fetch(env.base + path, init);
		const text = await res.text();
		let data = null;
		try {
			data = text ? JSON.parse(text) : null;
		} catch {
			data = null;
		}
		const ra = Number.parseInt(res.headers?.get?.("Retry-After") ??
		    "", 10);
		return { status: res.status, data,
		    retryAfter: Number.isFinite(ra) && ra > 0 ? ra : 0 };
	} catch {
		return { status: 0, data: null, retryAfter: 0 };
	} finally {
		if (timer !== null)
			env.clearTimeout(timer);
	}
}

function isCsrfRefusal(res) {
	return res.status === 403 && res.data?.error?.code === "csrf";
}

// An Error carrying the HTTP status and the server's French message.
export class RuntimeError extends Error {
	constructor(res) {
		const e = res.data?.error || {};
		let text = e.message || (res.status === 0 ?
		    "Impossible de joindre le serveur. Vérifiez votre " +
		    "connexion et réessayez." :
		    "Le suivi de l'unité n'a pas pu démarrer (erreur " +
		    res.status + ").");
		if (e.detail)
			text += " " + e.detail;
		super(text);
		this.name = "RuntimeError";
		this.status = res.status;
		this.code = e.code || "";
	}
}

// ---------------------------------------------------------------- journal

function journalWrite(env, entry) {
	try {
		env.storage?.setItem(journalKey(entry.session),
		    JSON.stringify(entry));
	} catch {
		// full or disabled: the batch still goes out
	}
}

function journalRemove(env, session) {
	try {
		env.storage?.removeItem(journalKey(session));
	} catch {
		// disabled storage: nothing was written either
	}
}

function journalParse(text) {
	let e;
	try {
		e = JSON.parse(text);
	} catch {
		return null;
	}
	if (!e || typeof e !== "object" || !Number.isInteger(e.session) ||
	    e.session <= 0 || !Number.isInteger(e.seq) || e.seq <= 0 ||
	    !Array.isArray(e.values) || !e.values.every((p) =>
	    Array.isArray(p) && p.length === 2 && typeof p[0] === "string" &&
	    typeof p[1] === "string"))
		return null;
	return e;
}

// The body of a commit; the token travels inside since a beacon cannot set
// headers.
function commitBody(env, seq, values, finish) {
	return JSON.stringify({ seq, values, finish: !!finish,
	    csrf: env.csrf() || "" });
}

// POST a commit; a refused CSRF token is fetched again once.
async function postCommit(env, session, seq, values, finish, keepalive) {
	let body = commitBody(env, seq, values, finish);
	const big = byteLength(body) > KEEPALIVE_MAX;
	let res = await request(env, "POST", commitPath(session), body,
	    { keepalive: keepalive && !big });
	if (isCsrfRefusal(res) && env.refreshCsrf) {
		try {
			await env.refreshCsrf();
		} catch {
			return res;
		}
		body = commitBody(env, seq, values, finish);
		res = await request(env, "POST", commitPath(session), body,
		    { keepalive: keepalive && !big });
	}
	return res;
}

// Sends what earlier pages left in the journal (closed tab, offline, batch
// too big for a beacon), oldest first; call it before opening a session.
// An entry leaves the journal once the server answered 2xx, or 4xx other
// than 401 (it will never be taken); it stays on 401, 429, 5xx and network
// errors. Entries of another user (opts.user) are left alone.
export async function replayJournal(opts = {}) {
	const env = environment(opts);
	const out = { sent: 0, dropped: 0, kept: 0 };
	const s = env.storage;
	if (!s || !env.fetch)
		return out;
	const entries = [];
	try {
		for (let i = 0; i < s.length; i++) {
			const key = s.key(i);
			if (key?.startsWith(JOURNAL_PREFIX))
				entries.push([key,
				    journalParse(s.getItem(key))]);
		}
	} catch {
		return out;
	}
	entries.sort((a, b) => (a[1]?.at || 0) - (b[1]?.at || 0));
	for (const [key, e] of entries) {
		if (!e || key !== journalKey(e.session)) {
			s.removeItem(key);
			out.dropped++;
			continue;
		}
		if (env.user !== null && e.user != null &&
		    String(e.user) !== String(env.user)) {
			out.kept++;
			continue;
		}
		const res = await postCommit(env, e.session, e.seq, e.values,
		    e.finish, false);
		if (res.status >= 200 && res.status < 300) {
			s.removeItem(key);
			out.sent++;
		} else if (res.status >= 400 && res.status < 500 &&
		    res.status !== 401 && res.status !== 429 &&
		    res.status !== 408) {
			s.removeItem(key);
			out.dropped++;
		} else {
			out.kept++;
		}
	}
	return out;
}

// --------------------------------------------------------------- delivery

// The values of one session on their way to the server. pending holds, in
// the order first set, every value not yet acknowledged; each batch carries
// all of them, so a later batch covers an earlier one lost on the way and
// the server only applies a seq above the last it applied.
class Delivery {
	constructor(env, session, seq, onStatus) {
		this.env = env;
		this.session = session;
		this.nextSeq = seq + 1;
		this.acked = seq;		// highest seq known applied
		this.pending = new Map();	// name -> {value, version}
		this.version = 0;		// bumped by every set()
		this.builtVersion = 0;		// version when latest was built
		this.batches = new Map();	// seq -> batch, not yet settled
		this.latest = null;		// last batch built
		this.journalSeq = 0;		// seq of our journal entry
		this.sending = false;
		this.timer = null;
		this.attempts = 0;		// failed sends in a row
		this.failure = "";		// why saving fails now
		this.unreported = "";		// a lost value not yet told
		this.told = "";			// what the last commit told
		this.done = false;		// nothing more will be taken
		this.finishing = false;
		this.unloading = false;		// the page goes away: beacons
		this.beaconed = 0;		// highest seq sent by beacon
		this.onStatus = onStatus;
		this.lastStatus = "";
	}

	set(name, value) {
		const e = this.pending.get(name);
		this.version++;
		if (e) {
			// keeps its place: later values may depend on it
			e.value = value;
			e.version = this.version;
		} else {
			this.pending.set(name,
			    { value, version: this.version });
		}
	}

	dirty() {
		return this.version > this.builtVersion;
	}

	diagnostic() {
		return this.told;
	}

	// Commit / Terminate: false while saving fails, and once after a
	// value was lost (refused by the server) since the last commit.
	commit(finish) {
		this.told = this.failure || this.unreported ||
		    (this.done ? "the session is closed" : "");
		this.unreported = "";
		if (this.done)
			return false;
		if (finish)
			this.finishing = true;
		if (finish || this.dirty())
			this.push();
		return this.told === "";
	}

	// A batch of everything pending, journaled before it leaves.
	build() {
		const values = [];
		const versions = new Map();
		for (const [name, e] of this.pending) {
			values.push([name, e.value]);
			versions.set(name, e.version);
		}
		const batch = { seq: this.nextSeq++, values, versions,
		    finish: this.finishing };
		this.batches.set(batch.seq, batch);
		this.latest = batch;
		this.builtVersion = this.version;
		this.journal(batch.seq, values, batch.finish);
		return batch;
	}

	push() {
		const batch = this.build();
		if (this.unloading)
			this.beacon(batch);
		else
			this.kick();
	}

	journal(seq, values, finish) {
		journalWrite(this.env, { v: 1, session: this.session, seq,
		    values, finish, user: this.env.user, at: this.env.now() });
		this.journalSeq = seq;
	}

	// Every 60 s: new values go out; an unacknowledged batch (sent by a
	// beacon, or waiting on a login) is tried again.
	tick() {
		if (this.done)
			return;
		if (this.dirty())
			this.push();
		else if (this.unsettled())
			this.kick();
	}

	unsettled() {
		return this.latest !== null && this.latest.seq > this.acked;
	}

	// The page hides or goes away: what is not acknowledged leaves by
	// beacon now (a keepalive fetch on its way needs no copy).
	flush() {
		if (this.done)
			return;
		if (this.dirty())
			this.beacon(this.build());
		else if (this.unsettled() && !this.sending &&
		    this.latest.seq > this.beaconed)
			this.beacon(this.latest);
	}

	// Sends the latest batch now, unless one is on its way or a back-off
	// runs (force: the network is back).
	kick(force = false) {
		if (this.sending || this.done || !this.unsettled())
			return;
		if (this.timer !== null) {
			if (!force)
				return;
			this.env.clearTimeout(this.timer);
			this.timer = null;
		}
		if (this.unloading) {
			if (this.latest.seq > this.beaconed)
				this.beacon(this.latest);
			return;
		}
		this.send();
	}

	async send() {
		const batch = this.latest;
		this.sending = true;
		const res = await postCommit(this.env, this.session, batch.seq,
		    batch.values, batch.finish, true);
		this.sending = false;
		this.handle(batch, res);
		if (this.latest !== batch)
			this.kick();
	}

	// sendBeacon, else a keepalive fetch whose answer is still used if
	// the page lives on.
	beacon(batch) {
		const body = commitBody(this.env, batch.seq, batch.values,
		    batch.finish);
		let queued = false;
		this.beaconed = Math.max(this.beaconed, batch.seq);
		if (this.env.sendBeacon && byteLength(body) <= KEEPALIVE_MAX) {
			try {
				queued = this.env.sendBeacon(this.env.base +
				    commitPath(this.session), body);
			} catch {
				queued = false;
			}
		}
		if (queued)
			return;
		postCommit(this.env, this.session, batch.seq, batch.values,
		    batch.finish, true).then((res) => this.handle(batch, res));
	}

	handle(batch, res) {
		if (this.done)
			return;
		const st = res.status;
		if (st >= 200 && st < 300) {
			this.attempts = 0;
			this.failure = "";
			if (this.acknowledge(batch, res.data))
				this.status("saved");
		} else if (st === 0 || st >= 500 || st === 429 || st === 408) {
			this.retry(res);
		} else if (st === 401) {
			// Kept in the journal; tried again once signed in.
			this.failure = "not signed in (HTTP 401)";
			this.status("login");
			this.wait(BACKOFF_MAX_MS);
		} else if (st === 422) {
			this.refuse(batch, res.data);
		} else {
			// 404, 409, 403...: this session takes nothing more.
			this.failure = "session " + this.session + " refused " +
			    "the values (HTTP " + st + (res.data?.error?.code ?
			    ", " + res.data.error.code : "") + ")";
			this.end("closed");
		}
	}

	// A 2xx: what the server applied leaves pending. False when nothing
	// of ours was.
	acknowledge(batch, data) {
		const last = Number.isInteger(data?.seq) ? data.seq : batch.seq;
		if (data?.duplicate && last >= this.nextSeq) {
			// Numbers this page never used: another client wrote
			// to the session. Ours go again, after theirs.
			this.nextSeq = last + 1;
			this.acked = last;
			this.batches.clear();
			this.push();
			return false;
		}
		const applied = [];
		// A duplicate of this very seq: an earlier copy was applied.
		if (!data?.duplicate || last === batch.seq)
			applied.push(batch);
		if (last !== batch.seq && this.batches.has(last))
			applied.push(this.batches.get(last));
		let finished = false;
		for (const b of applied) {
			for (const [name, v] of b.versions)
				if (this.pending.get(name)?.version === v)
					this.pending.delete(name);
			finished ||= b.finish;
		}
		this.acked = Math.max(this.acked, batch.seq, last);
		for (const seq of this.batches.keys())
			if (seq <= this.acked)
				this.batches.delete(seq);
		if (finished) {
			this.end("saved");
			return false;
		}
		if (this.journalSeq && this.journalSeq <= this.acked) {
			if (this.pending.size === 0) {
				journalRemove(this.env, this.session);
				this.journalSeq = 0;
			} else {
				// Set after the batch: journaled under the seq
				// the next batch will carry.
				this.journal(this.nextSeq,
				    [...this.pending].map(([n, e]) =>
				    [n, e.value]), false);
			}
		}
		return true;
	}

	retry(res) {
		this.attempts++;
		if (this.attempts >= MAX_ATTEMPTS)
			this.failure = "values not saved after " +
			    this.attempts + " attempts (" + (res.status ?
			    "HTTP " + res.status : "network error") + ")";
		let delay = Math.min(BACKOFF_MS * 2 ** (this.attempts - 1),
		    BACKOFF_MAX_MS);
		if (res.retryAfter)
			delay = Math.max(delay, Math.min(res.retryAfter * 1000,
			    BACKOFF_MAX_MS));
		this.status(this.failure ? "failed" : "retrying", delay);
		this.wait(delay);
	}

	wait(delay) {
		if (this.timer !== null)
			this.env.clearTimeout(this.timer);
		this.timer = this.env.setTimeout(() => {
			this.timer = null;
			this.kick();
		}, delay);
	}

	// 422: nothing of the batch was applied. The refused value is
	// dropped (the SCO is told by its next Commit) and the rest goes again.
	refuse(batch, data) {
		const name = typeof data?.element === "string" ? data.element :
		    "";
		const code = data?.scorm_error ?? "";
		this.unreported = "the server refused " + (name || "a batch") +
		    (code !== "" ? " (error " + code + ")" : "");
		this.status("refused");
		const v = batch.versions.get(name);
		const drop = v !== undefined ? [[name, v]] :
		    [...batch.versions];
		for (const [n, ver] of drop)
			if (this.pending.get(n)?.version === ver)
				this.pending.delete(n);
		this.batches.delete(batch.seq);
		if (batch !== this.latest)
			return;
		if (this.pending.size > 0 || batch.finish) {
			this.push();
		} else {
			journalRemove(this.env, this.session);
			this.journalSeq = 0;
		}
	}

	end(kind) {
		this.done = true;
		this.pending.clear();
		this.batches.clear();
		if (this.timer !== null) {
			this.env.clearTimeout(this.timer);
			this.timer = null;
		}
		journalRemove(this.env, this.session);
		this.journalSeq = 0;
		this.status(kind);
	}

	status(kind, delay = 0) {
		if (kind === "saved" && this.lastStatus === "saved")
			return;
		this.lastStatus = kind;
		try {
			this.onStatus({ kind, session: this.session, delay,
			    attempts: this.attempts,
			    diagnostic: this.failure || this.unreported });
		} catch {
			// the page's display must not break delivery
		}
	}
}

// ------------------------------------------------------------ the API

// One launch of one SCO: the state machine both APIs share.
class Launch {
	constructor(model, version, cmi, delivery) {
		this.model = model;
		this.version = version;
		this.cmi = cmi;
		this.delivery = delivery;
		this.state = NEW;
		this.error = 0;
		this.why = "";
	}

	yes() {
		this.error = 0;
		this.why = "";
		return "true";
	}

	no(code, why) {
		this.error = code;
		this.why = why || "";
		return "false";
	}

	nothing(code, why) {
		this.no(code, why);
		return "";
	}

	get(name) {
		const [code, value] = this.cmi.get(name);
		if (Number(code) !== 0)
			return this.nothing(Number(code), this.cmi.diagnostic);
		this.yes();
		return arg(value);
	}

	set(name, value) {
		const code = Number(this.cmi.set(name, value));
		if (code !== 0)
			return this.no(code, this.cmi.diagnostic);
		this.delivery.set(name, value);
		return this.yes();
	}

	commit(finish, failCode) {
		if (finish)
			this.state = ENDED;
		if (this.delivery.commit(finish))
			return this.yes();
		return this.no(failCode, this.delivery.diagnostic() ||
		    "the values could not be saved");
	}

	errorString(code) {
		return cap(arg(errorString(this.model, this.version,
		    arg(code))));
	}

	diagnostic(code) {
		code = arg(code);
		if (code === "" || code === String(this.error))
			return cap(this.why || this.errorString(this.error));
		return this.errorString(code);
	}
}

// The three error calls, which change no state, under each version's names.
function errorCalls(l, last, string, diagnostic) {
	return {
		[last]: () => String(l.error),
		[string]: (code) => l.errorString(code),
		[diagnostic]: (code) => l.diagnostic(code),
	};
}

// SCORM 1.2 (RTE 3.4): 101 for a second LMSInitialize, 201 for a parameter
// that is not "", 301 for any call outside LMSInitialize..LMSFinish.
function api12(l) {
	const notRunning = (what) => l.state === NEW ?
	    what + " before LMSInitialize" : what + " after LMSFinish";
	return {
		LMSInitialize(param) {
			if (arg(param) !== "")
				return l.no(201, 'the parameter must be ""');
			if (l.state !== NEW)
				return l.no(101, l.state === RUNNING ?
				    "LMSInitialize was already called" :
				    "LMSFinish was called");
			l.state = RUNNING;
			return l.yes();
		},
		LMSFinish(param) {
			if (arg(param) !== "")
				return l.no(201, 'the parameter must be ""');
			if (l.state !== RUNNING)
				return l.no(301, notRunning("LMSFinish"));
			return l.commit(true, 101);
		},
		LMSGetValue(name) {
			name = arg(name);
			if (l.state !== RUNNING)
				return l.nothing(301,
				    notRunning("LMSGetValue"));
			if (name === "")
				return l.nothing(201, "no element named");
			return l.get(name);
		},
		LMSSetValue(name, value) {
			name = arg(name);
			if (l.state !== RUNNING)
				return l.no(301, notRunning("LMSSetValue"));
			if (name === "")
				return l.no(201, "no element named");
			return l.set(name, arg(value));
		},
		LMSCommit(param) {
			if (arg(param) !== "")
				return l.no(201, 'the parameter must be ""');
			if (l.state !== RUNNING)
				return l.no(301, notRunning("LMSCommit"));
			return l.commit(false, 101);
		},
		...errorCalls(l, "LMSGetLastError", "LMSGetErrorString",
		    "LMSGetDiagnostic"),
	};
}

// SCORM 2004 (RTE 3.1.7), checks in the order of ADL's sample RTE:
// state after termination first, then the parameter, then the rest.
function api2004(l) {
	return {
		Initialize(param) {
			if (l.state === ENDED)
				return l.no(104, "Terminate was called");
			if (arg(param) !== "")
				return l.no(201, 'the parameter must be ""');
			if (l.state === RUNNING)
				return l.no(103, "Initialize was called");
			l.state = RUNNING;
			return l.yes();
		},
		Terminate(param) {
			if (l.state === ENDED)
				return l.no(113, "Terminate was called");
			if (l.state === NEW)
				return l.no(112, "Terminate before Initialize");
			if (arg(param) !== "")
				return l.no(201, 'the parameter must be ""');
			return l.commit(true, 391);
		},
		GetValue(name) {
			name = arg(name);
			if (l.state === ENDED)
				return l.nothing(123,
				    "GetValue after Terminate");
			if (name === "")
				return l.nothing(301, "no element named");
			if (l.state === NEW)
				return l.nothing(122,
				    "GetValue before Initialize");
			return l.get(name);
		},
		SetValue(name, value) {
			name = arg(name);
			if (l.state === ENDED)
				return l.no(133, "SetValue after Terminate");
			if (l.state === NEW)
				return l.no(132, "SetValue before Initialize");
			if (name === "")
				return l.no(351, "no element named");
			return l.set(name, arg(value));
		},
		Commit(param) {
			if (l.state === ENDED)
				return l.no(143, "Commit after Terminate");
			if (arg(param) !== "")
				return l.no(201, 'the parameter must be ""');
			if (l.state === NEW)
				return l.no(142, "Commit before Initialize");
			return l.commit(false, 391);
		},
		...errorCalls(l, "GetLastError", "GetErrorString",
		    "GetDiagnostic"),
	};
}

// An API object over a Cmi and a delivery, for tests and for Runtime.
export function createApi(model, version, cmi, delivery) {
	const l = new Launch(model, version, cmi, delivery);
	return { api: version === 2004 ? api2004(l) : api12(l), launch: l };
}

export { Delivery };

// ------------------------------------------------------------ the runtime

// The player's side: opens a runtime session per SCO launch, installs its
// API on the player's window, and sends what is left when the SCO changes or
// the page goes away.
// opts: the environment (window, document, fetch, sendBeacon, storage,
// timers, now, base, csrf, refreshCsrf, user), model (else fetched),
// mediaPlaying() (true while the SCO plays a video: that is activity too),
// onStatus({kind, session, delay, attempts, diagnostic}) with kind "saved",
// "retrying", "failed", "refused", "login" or "closed", and unloadContent()
// called when the page goes away for good, to unload the SCO's frame first
// (its own pagehide handler then still reaches a working API).
export class Runtime {
	constructor(opts = {}) {
		this.env = environment(opts);
		this.model = opts.model ?? null;
		this.onStatus = opts.onStatus || (() => {});
		this.unloadContent = opts.unloadContent || null;
		this.launch = null;
		this.api = null;
		this.info = null;
		this.live = new Set();	// deliveries with data still on the way
		this.listening = false;
		this.interval = null;
		this.beats = null;
		this.lastActivity = this.env.now();
		this.mediaPlaying = opts.mediaPlaying || (() => false);
		this.onActivity = () => this.noteActivity();
		this.onHidden = () => {
			if (this.env.document?.visibilityState === "hidden")
				for (const d of this.live)
					d.flush();
		};
		this.onPagehide = (ev) => this.pagehide(ev);
		this.onOnline = () => {
			for (const d of this.live)
				d.kick(true);
		};
	}

	async loadModel() {
		if (this.model)
			return this.model;
		const res = await request(this.env, "GET", MODEL_PATH);
		if (res.status !== 200 || !res.data)
			throw new RuntimeError(res);
		this.model = res.data;
		return this.model;
	}

	// POST a session for the item, fill a Cmi with the values it returns
	// and install the API: the SCO's Initialize then answers at once.
	async open(packageId, itemIdentifier) {
		this.close();
		await this.loadModel();
		const body = JSON.stringify({ package: Number(packageId),
		    item: String(itemIdentifier) });
		const post = () => request(this.env, "POST", SESSIONS_PATH,
		    body, { headers: { "X-CSRF-Token":
		    this.env.csrf() || "" } });
		let res = await post();
		if (isCsrfRefusal(res) && this.env.refreshCsrf) {
			await this.env.refreshCsrf();
			res = await post();
		}
		const d = res.data;
		if (res.status !== 201 || !d || !Number.isInteger(d.session) ||
		    !Number.isInteger(d.seq) || !Array.isArray(d.values) ||
		    ![12, 2004].includes(d.version))
			throw new RuntimeError(res);
		const cmi = new Cmi(this.model, d.version);
		for (const [name, value] of d.values)
			cmi.put(name, value);
		const delivery = new Delivery(this.env, d.session, d.seq,
		    (st) => this.status(delivery, st));
		const { api, launch } = createApi(this.model, d.version, cmi,
		    delivery);
		this.launch = launch;
		this.api = api;
		this.info = { session: d.session, attempt: d.attempt,
		    version: d.version };
		this.live.add(delivery);
		this.install();
		return { ...this.info, api };
	}

	// Ends the current launch: a SCO that never terminated gets its
	// values and the end of the session sent for it.
	close() {
		const l = this.launch;
		if (!l)
			return;
		this.launch = null;
		const w = this.env.window;
		if (w) {
			if (w.API === this.api)
				delete w.API;
			if (w.API_1484_11 === this.api)
				delete w.API_1484_11;
		}
		this.api = null;
		this.info = null;
		if (l.state !== ENDED) {
			l.state = ENDED;
			l.delivery.commit(true);
		}
		if (this.interval !== null) {
			this.env.clearInterval(this.interval);
			this.interval = null;
		}
		if (this.beats !== null) {
			this.env.clearInterval(this.beats);
			this.beats = null;
		}
	}

	// The learner did something: the player also calls this for events
	// inside the SCO's frame, which do not reach this window.
	noteActivity() {
		this.lastActivity = this.env.now();
	}

	// One heartbeat, unless the page is hidden: a hidden tab earns
	// nothing. A lost heartbeat costs one interval, so no retry.
	async beat() {
		const info = this.info;
		if (!info || this.env.document?.visibilityState === "hidden")
			return null;
		const active = this.env.now() - this.lastActivity < ACTIVE_MS ||
		    Boolean(this.mediaPlaying());
		try {
			return await request(this.env, "POST",
			    beatPath(info.session), JSON.stringify({ active }),
			    { keepalive: true, headers: { "X-CSRF-Token":
			    this.env.csrf() || "" } });
		} catch {
			return null;
		}
	}

	install() {
		const w = this.env.window;
		if (w) {
			delete w.API;
			delete w.API_1484_11;
			if (this.info.version === 2004)
				w.API_1484_11 = this.api;
			else
				w.API = this.api;
		}
		if (!this.listening) {
			this.env.document?.addEventListener("visibilitychange",
			    this.onHidden);
			w?.addEventListener?.("pagehide", this.onPagehide);
			w?.addEventListener?.("online", this.onOnline);
			for (const ev of ACTIVITY_EVENTS)
				w?.addEventListener?.(ev, this.onActivity,
				    { passive: true, capture: true });
			this.listening = true;
		}
		this.interval = this.env.setInterval(() => this.launch?.delivery
		    .tick(), AUTOCOMMIT_MS);
		this.beats = this.env.setInterval(() => this.beat(),
		    HEARTBEAT_MS);
	}

	pagehide(ev) {
		if (ev?.persisted) {
			// Into the back-forward cache: may come back.
			for (const d of this.live)
				d.flush();
			return;
		}
		for (const d of this.live)
			d.unloading = true;
		try {
			this.unloadContent?.();
		} finally {
			this.close();
			for (const d of this.live)
				d.flush();
		}
	}

	status(delivery, st) {
		if (delivery.done)
			this.live.delete(delivery);
		this.onStatus(st);
	}

	// Stops listening (tests, or a player that goes away by itself).
	dispose() {
		this.close();
		const w = this.env.window;
		this.env.document?.removeEventListener("visibilitychange",
		    this.onHidden);
		w?.removeEventListener?.("pagehide", this.onPagehide);
		w?.removeEventListener?.("online", this.onOnline);
		for (const ev of ACTIVITY_EVENTS)
			w?.removeEventListener?.(ev, this.onActivity,
			    { capture: true });
		this.listening = false;
		for (const d of this.live) {
			if (d.timer !== null)
				this.env.clearTimeout(d.timer);
			d.timer = null;
		}
	}
}
