"use strict";

// Shared by the course, session, company, enrolment and attendance pages:
// the page's start (who is there, may they see it), tables, and the French
// wording of dates, SIRET numbers and regroupements.
import { api, el, renderHeader, requireUser, say } from "./api.js";

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

// The start of a staff page: advisers, funders and admins read it.
export function startStaff() {
	return start(["adviser", "funder", "admin"], "Cette page est " +
	    "réservée à l'administration, aux conseiller·ères OPCA et aux " +
	    "financeurs.");
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

// A table in a scrollable, focusable region. head: the columns' titles
// (strings or nodes); rows: arrays of cells (a string, a node, or null);
// the first cell of a row is its header. kind: a class for the region.
export function table(caption, head, rows, empty, kind) {
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
	return el("div", { class: "table-wrap" + (kind ? " " + kind : ""),
	    role: "region",
	    "aria-label": caption, tabindex: "0" },
	    el("table", { class: "users" },
		el("caption", { class: "visually-hidden", text: caption }),
		el("thead", {}, el("tr", {}, ...head.map((h) =>
		    el("th", { scope: "col" }, h)))),
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

// The page's session: ?session=ID, else the newest one. Fills the chooser
// (#session in #choix, shown when there is a choice); null, with a word
// in region, when there is no session at all.
export async function chosenCohort(region) {
	const cohorts = await api("GET", "/api/v1/cohorts");
	$("chargement").hidden = true;
	options($("session"), cohorts.map((c) => [c.id, c.name + " (" +
	    c.course_title + ")"]));
	$("choix").hidden = cohorts.length < 2 && param("session") !== null;
	const id = param("session") || cohorts[0]?.id;
	if (!id) {
		say(region, "Aucune session ouverte pour l'instant.", "info");
		return null;
	}
	$("session").value = String(id);
	return id;
}

// Options of a select: [[value, text], ...], the first one maybe a prompt.
export function options(select, list, prompt) {
	select.replaceChildren(...(prompt ? [el("option", { value: "",
	    text: prompt })] : []), ...list.map(([v, t]) =>
	    el("option", { value: String(v), text: t })));
}

// The regroupement's latest mark, from its "present" (true, false, null).
export function presence(present) {
	if (present === true)
		return "Présent·e";
	if (present === false)
		return "Absent·e";
	return "Non renseigné";
}

const pad = (n) => String(n).padStart(2, "0");

// A time in words: 754000 -> "12 min 34 s", 4380000 -> "1 h 13 min".
export function duration(ms) {
	const s = Math.floor((ms || 0) / 1000);
	const h = Math.floor(s / 3600);
	const m = Math.floor(s / 60) % 60;
	if (h > 0)
		return h + "\u00a0h\u00a0" + pad(m) + "\u00a0min";
	if (m > 0)
		return m + "\u00a0min" + (s % 60 ? "\u00a0" + pad(s % 60) +
		    "\u00a0s" : "");
	return (s % 60) + "\u00a0s";
}

// "07/12/2026 08:37", Paris time like the CSV files; "—" for none.
const shortDate = new Intl.DateTimeFormat("fr-FR", { dateStyle: "short",
    timeStyle: "short", timeZone: "Europe/Paris" });
export function when(ms) {
	return ms ? shortDate.format(new Date(ms)) : "—";
}

export const COMPLETION = { "not attempted": "Non commencée",
    incomplete: "En cours", completed: "Terminée" };
export const SUCCESS = { passed: "Réussie", failed: "Échouée", unknown: "" };

// The two clocks of a unit disagree (server's measured time, the unit's
// reported one): a flag in words, never a colour alone.
export const GAPS = { 1: "déclaré > mesuré", [-1]: "mesuré > déclaré" };
export function gapFlag(gap) {
	if (!GAPS[gap])
		return el("span", { class: "muted", text: "Aucun" });
	return el("span", { class: "flag" },
	    el("span", { "aria-hidden": "true", text: "⚠\u00a0" }), GAPS[gap]);
}

// Why a gap is flagged, under the tables that show one.
export function gapHelp() {
	return el("p", { class: "hint" }, el("strong", { text: "Écart" }),
	    "\u00a0: le temps déclaré par l'unité (SCO) et le temps mesuré " +
	    "par le serveur diffèrent de plus de 5\u00a0minutes et de plus " +
	    "de 25\u00a0% du plus long des deux. « déclaré > mesuré »\u00a0: " +
	    "l'unité a compté du temps sans activité (onglet resté ouvert, " +
	    "inactif ou caché), que le serveur ne crédite pas. « mesuré > " +
	    "déclaré »\u00a0: l'unité n'a pas transmis tout son temps " +
	    "(fermeture brutale, unité qui ne déclare pas sa durée). Les " +
	    "attestations retiennent le temps mesuré\u00a0; un écart invite " +
	    "à vérifier.");
}
