"use strict";

// The browser side of the JSON API: one fetch wrapper that sends the CSRF
// token with every write, turns error bodies into French messages, and
// sends visitors of protected pages to the login form.

const CSRF_KEY = "assidu.csrf";
const FLASH_KEY = "assidu.flash";

export const ROLE_LABELS = {
	learner: "Apprenant·e",
	adviser: "Conseiller·ère OPCA",
	funder: "Financeur / contrôle",
	admin: "Administration",
};

// Roles that may open the accounts page.
export const STAFF_ROLES = ["adviser", "funder", "admin"];

let loginRequired = false;
let mePromise = null;

export function roleLabel(role) {
	return ROLE_LABELS[role] || role;
}

function storage() {
	try {
		return window.sessionStorage;
	} catch {
		return null;	// storage disabled: writes will ask /me again
	}
}

function csrf() {
	return storage()?.getItem(CSRF_KEY) || null;
}

// The session's CSRF token, for requests that carry it in their body (a
// beacon cannot set headers).
export function csrfToken() {
	return csrf();
}

function setCsrf(token) {
	const s = storage();
	if (!s)
		return;
	if (token)
		s.setItem(CSRF_KEY, token);
	else
		s.removeItem(CSRF_KEY);
}

// A message for the next page (after a redirect), shown once.
export function setFlash(text) {
	storage()?.setItem(FLASH_KEY, text);
}

export function takeFlash() {
	const s = storage();
	const text = s?.getItem(FLASH_KEY) || "";
	s?.removeItem(FLASH_KEY);
	return text;
}

// A same-site path to go back to after login, or null: starts with one "/",
// no "//" or "/\" (a browser reads both as another host), no control chars.
export function safeSuite(value) {
	if (typeof value !== "string" || value.length > 2000 ||
	    !value.startsWith("/") || value.startsWith("//") ||
	    value.includes("\\") || /[\u0000-\u001f\u007f]/.test(value))
		return null;
	try {
		const u = new URL(value, window.location.origin);
		if (u.origin !== window.location.origin)
			return null;
		return u.pathname + u.search;
	} catch {
		return null;
	}
}

// Back to the same page after login, query included (a player's package);
// never the fragment, which may hold a token.
export function loginUrl() {
	return "/login.html?suite=" +
	    encodeURIComponent(window.location.pathname + window.location.search);
}

// The page cannot be used without a session: a 401 goes to the login form.
export function requireLogin() {
	loginRequired = true;
}

function goLogin() {
	setCsrf(null);
	window.location.replace(loginUrl());
}

// An Error with the status and the server's French message and detail.
export class ApiError extends Error {
	constructor(status, body, headers) {
		const e = body && typeof body.error === "object" ? body.error : {};
		const title = e.message || defaultMessage(status);
		const detail = e.detail || "";
		super(detail ? title + " " + detail : title);
		this.name = "ApiError";
		this.status = status;
		this.code = e.code || "";
		this.title = title;
		this.detail = detail;
		this.requestId = e.request_id || "";
		// The whole body: some errors carry more (a CSV file's report).
		this.body = body && typeof body === "object" ? body : null;
		const retry = Number.parseInt(headers?.get("Retry-After") || "", 10);
		this.retryAfter = Number.isFinite(retry) && retry > 0 ? retry : 0;
	}
}

function defaultMessage(status) {
	if (status === 0)
		return "Impossible de joindre le serveur. Vérifiez votre " +
		    "connexion et réessayez.";
	if (status === 401)
		return "Veuillez vous connecter.";
	if (status === 403)
		return "Accès refusé.";
	if (status === 404)
		return "Introuvable.";
	if (status >= 500)
		return "Erreur du serveur. Réessayez dans un instant.";
	return "La demande n'a pas abouti (erreur " + status + ").";
}

// raw: extra headers, and body sent as is (a Blob, bytes) instead of JSON.
async function send(method, path, body, raw) {
	const headers = { Accept: "application/json" };
	const init = { method, headers, credentials: "same-origin",
	    cache: "no-store" };
	if (method !== "GET" && method !== "HEAD") {
		headers["Content-Type"] = raw ? "application/octet-stream" :
		    "application/json";
		const token = csrf();
		if (token)
			headers["X-CSRF-Token"] = token;
		init.body = raw ? body : JSON.stringify(body === undefined ? {} :
		    body);
	}
	if (raw)
		Object.assign(headers, raw);
	let res;
	try {
		res = await fetch(path, init);
	} catch {
		throw new ApiError(0, null, null);
	}
	let data = null;
	const text = await res.text();
	if (text) {
		try {
			data = JSON.parse(text);
		} catch {
			data = null;
		}
	}
	return { res, data };
}

// api("POST", "/api/v1/users", {...}) resolves with the parsed JSON body.
export function api(method, path, body) {
	return request(method, path, body, null);
}

// Like api() but the body is sent as is (application/octet-stream unless
// headers say otherwise), with extra headers. An error keeps the response
// headers in err.headers (an upload's 409 says where to resume).
export function apiRaw(method, path, body, headers) {
	return request(method, path, body, headers || {});
}

async function request(method, path, body, raw) {
	method = method.toUpperCase();
	let { res, data } = await send(method, path, body, raw);
	// A token that changed under us (new login in another tab, storage
	// cleared): fetch the session's token once and try again.
	if (res.status === 403 && data?.error?.code === "csrf" &&
	    method !== "GET") {
		const user = await me(true);
		if (user)
			({ res, data } = await send(method, path, body, raw));
	}
	if (res.ok) {
		if (data && typeof data.csrf === "string")
			setCsrf(data.csrf);
		return data;
	}
	const err = new ApiError(res.status, data, res.headers);
	err.headers = res.headers;
	if (res.status === 401 && loginRequired) {
		goLogin();
		// Let the page keep waiting quietly while the browser leaves.
		err.redirecting = true;
	}
	throw err;
}

// The logged-in user, or null. Cached for the page; refresh=true asks again.
export function me(refresh = false) {
	if (!mePromise || refresh) {
		mePromise = (async () => {
			const { res, data } = await send("GET", "/api/v1/me");
			if (res.status === 401) {
				setCsrf(null);
				return null;
			}
			if (!res.ok)
				throw new ApiError(res.status, data, res.headers);
			setCsrf(data.csrf);
			return data.user;
		})();
		mePromise.catch(() => {
			mePromise = null;
		});
	}
	return mePromise;
}

// For pages that need a session: the user, or a redirect to login (and a
// promise that never settles, so the page does nothing more).
export async function requireUser() {
	requireLogin();
	const user = await me();
	if (user)
		return user;
	goLogin();
	return new Promise(() => {});
}

// After login or an accepted invitation.
export function rememberSession(data) {
	setCsrf(data?.csrf || null);
	mePromise = Promise.resolve(data?.user || null);
}

export async function logout(all) {
	const data = await api("POST", "/api/v1/logout", { all: !!all });
	setCsrf(null);
	mePromise = Promise.resolve(null);
	return data;
}

// Small DOM helpers shared by the pages.
export function el(tag, attrs = {}, ...children) {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k === "class")
			node.className = v;
		else if (k === "text")
			node.textContent = v;
		else if (k.startsWith("on") && typeof v === "function")
			node.addEventListener(k.slice(2), v);
		else
			node.setAttribute(k, v === true ? "" : v);
	}
	for (const c of children)
		if (c !== null && c !== undefined && c !== false)
			node.append(c);
	return node;
}

// A live region message: kind is "error", "ok" or "info".
export function say(region, text, kind = "info") {
	region.classList.remove("error", "ok", "info");
	region.textContent = text;
	if (text)
		region.classList.add(kind);
}

// Shows a user's name and "Mon compte" (or "Se connecter") in the header.
export function renderHeader(user) {
	const nav = document.getElementById("nav-compte");
	if (!nav)
		return;
	const here = window.location.pathname;
	const link = (href, text) => el("a", { href,
	    "aria-current": here === href ? "page" : null, text });
	nav.replaceChildren();
	if (user) {
		if (user.role === "learner")
			nav.append(link("/parcours.html", "Mon parcours"));
		else
			nav.append(link("/admin/sessions.html", "Sessions"),
			    link("/admin/suivi.html", "Suivi"),
			    link("/admin/attestations.html", "Attestations"));
		nav.append(el("span", { class: "who", text: user.name }),
		    link("/compte.html", "Mon compte"));
	} else if (here !== "/login.html") {
		nav.append(link("/login.html", "Se connecter"));
	}
}

// "1er décembre 2026 à 08:37": French writes the first day as an ordinal.
export function formatDate(ms) {
	if (!Number.isFinite(ms))
		return "";
	const parts = new Intl.DateTimeFormat("fr-FR", { dateStyle: "long",
	    timeStyle: "short" }).formatToParts(new Date(ms));
	return parts.map((p) => p.type === "day" && p.value === "1" ?
	    "1er" : p.value).join("");
}

// Keeps a button from being pressed twice while a request runs; its content
// (visually hidden parts included) comes back when done.
const saved = new WeakMap();

export function busy(button, on, label) {
	if (on) {
		if (!saved.has(button))
			saved.set(button, [...button.childNodes]);
		button.textContent = label;
		button.disabled = true;
		button.setAttribute("aria-busy", "true");
	} else {
		if (saved.has(button))
			button.replaceChildren(...saved.get(button));
		saved.delete(button);
		button.disabled = false;
		button.removeAttribute("aria-busy");
	}
}
