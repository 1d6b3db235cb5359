"use strict";

// Shared by the course, session, company, enrolment and attendance pages:
// the page's start (who is there, may they see it), tables, and the French
// wording of dates, SIRET numbers and regroupements.
import { el, renderHeader, requireUser, say } from "./api.js";

export const $ = (id) => document.getElementById(id);

// The server's reason when there is one, else its message.
export const reason = (err) => err.detail || err.message;

// Loads the user, fills the header, and refuses roles not in `roles`
// (the server refuses them too; this only explains it).
export async function start(roles, why) {
	const user = await requireUser();
	renderHeader(user);
	if (!roles.includes(user.role)) {
		refuse(why);
		return null;
	}
	return user;
}

export function refuse(text) {
	const loading = $("chargement");
	if (loading)
		loading.hidden = true;
	const r = $("refus");
	r.replaceChildren(el("strong", { text: "Accès refusé." }), " ", text,
	    " ", el("a", { href: "/compte.html", text: "Retour à mon compte" }));
	r.classList.add("error");
}

// Reports an error of the page's start in its message region.
export function failed(err, region) {
	if (err.redirecting)
		return;
	const loading = $("chargement");
	if (loading)
		loading.hidden = true;
	say(region, reason(err), "error");
}

// A table in a scrollable, focusable region. rows: arrays of cells (a
// string, a node, or null); the first cell of a row is its header.
export function table(caption, head, rows, empty) {
	const tbody = el("tbody");
	for (const cells of rows) {
		const tr = el("tr");
		cells.forEach((c, i) => tr.append(el(i === 0 ? "th" : "td",
		    i === 0 ? { scope: "row" } : {}, c ?? "")));
		tbody.append(tr);
	}
	if (rows.length === 0)
		tbody.append(el("tr", {}, el("td", { colspan: String(head.length),
		    class: "muted", text: empty })));
	return el("div", { class: "table-wrap", role: "region",
	    "aria-label": caption, tabindex: "0" },
	    el("table", { class: "users" },
		el("caption", { class: "visually-hidden", text: caption }),
		el("thead", {}, el("tr", {}, ...head.map((h) =>
		    el("th", { scope: "col", text: h })))),
		tbody));
}

// 73282932000074 -> "732 829 320 00074" (SIREN, then the establishment).
export function siret(s) {
	return /^\d{14}$/.test(s || "") ? s.slice(0, 3) + "\u00a0" +
	    s.slice(3, 6) + "\u00a0" + s.slice(6, 9) + "\u00a0" + s.slice(9) :
	    s || "";
}

export const MODES = { online: "à distance", onsite: "sur place" };

// "à distance, jeudi 17 décembre 2026 à 14:00 : https://…".
export function regroupement(c) {
	let s = (MODES[c.meeting_mode] || c.meeting_mode) + ", " +
	    (c.meeting_fr || c.meeting_date);
	if (c.meeting_time)
		s += " à " + c.meeting_time;
	return c.meeting_place ? s + " — " + c.meeting_place : s +
	    " (lieu à préciser)";
}

export const STATES = { upcoming: "À venir", running: "En cours",
    ended: "Terminée" };

// The value of ?name= in the page's address.
export function param(name) {
	return new URLSearchParams(window.location.search).get(name);
}

// Options of a select: [[value, text], ...], the first one maybe a prompt.
export function options(select, list, prompt) {
	select.replaceChildren(...(prompt ? [el("option", { value: "",
	    text: prompt })] : []), ...list.map(([v, t]) =>
	    el("option", { value: String(v), text: t })));
}
