"use strict";

// "Mon parcours": for each session of the learner, the four weeks with
// their opening date, the open ones with links to their units in the
// player, the locked ones with the day they open, and the regroupement.
import { api, el, renderHeader, requireUser, say } from "./api.js";
import { $, MODES, failed } from "./spoc-ui.js";

const STATE = { open: "ouverte", locked: "pas encore ouverte",
    ended: "session terminée" };

function minutes(n) {
	return n + "\u00a0min";
}

const DONE = { completed: "terminée", incomplete: "commencée",
    "not attempted": "" };

// Connection time measured by the server, in whole minutes.
function measured(ms) {
	const m = Math.floor(ms / 60000);
	return m < 1 ? "moins d'une minute" : minutes(m);
}

function unitHref(u) {
	return "/lecteur.html?paquet=" + encodeURIComponent(u.package_id) +
	    "&element=" + encodeURIComponent(u.item);
}

function unitItem(u, week) {
	const p = u.progress || {};
	let text = " — " + minutes(u.minutes);
	if (DONE[p.completion])
		text += " · " + DONE[p.completion] + " · temps de connexion " +
		    measured(p.measured_ms);
	if (p.success === "passed")
		text += " · réussie";
	const total = el("span", { class: "muted", text });
	if (week.state !== "open")
		return el("li", {}, el("span", { text: u.title }), total);
	return el("li", {}, el("a", { href: unitHref(u), text: u.title }),
	    total);
}

function weekSection(w, hid) {
	const total = w.units.reduce((s, u) => s + u.minutes, 0);
	const head = el("h3", { id: hid, text: "Semaine " + w.week + " — " +
	    STATE[w.state] });
	const section = el("section", { class: "card week week-" + w.state,
	    "aria-labelledby": hid }, head);
	if (w.track)
		section.append(el("p", { class: "muted", text: w.track +
		    (w.units.length ? " · " + w.units.length + " unité" +
		    (w.units.length > 1 ? "s" : "") + ", environ " +
		    minutes(total) + " · " + (w.done || 0) + " terminée" +
		    ((w.done || 0) > 1 ? "s" : "") : "") }));
	if (w.state === "locked")
		section.append(el("p", { class: "notice",
		    text: "Cette semaine ouvre le " + w.opens_fr + "." }));
	else if (w.state === "open")
		section.append(el("p", { class: "muted",
		    text: "Ouverte depuis le " + w.opens_fr + "." }));
	if (w.units.length === 0)
		section.append(el("p", { class: "muted",
		    text: "Pas encore d'unité dans cette semaine." }));
	else
		section.append(el("ol", { class: "units" },
		    ...w.units.map((u) => unitItem(u, w))));
	return section;
}

function enrolmentSection(e) {
	const c = e.cohort;
	const id = "session-" + e.id;
	const meeting = (MODES[c.meeting_mode] || c.meeting_mode) + ", le " +
	    c.meeting_fr + (c.meeting_time ? " à " + c.meeting_time : "") +
	    (c.meeting_place ? " — " + c.meeting_place : "");
	const section = el("section", { "aria-labelledby": id },
	    el("h2", { id, text: e.course.title }),
	    el("dl", { class: "facts" },
		el("dt", { text: "Session" }), el("dd", { text: c.name }),
		el("dt", { text: "Dates" }), el("dd", { text: "du " +
		    c.start_fr + " au " + c.end_fr }),
		el("dt", { text: "Entreprise" }), el("dd", {
		    text: e.company.name }),
		el("dt", { text: "OPCA" }), el("dd", { text: e.opca.name }),
		el("dt", { text: "Regroupement" }), el("dd", {
		    text: meeting })));
	if (e.next)
		section.append(el("p", { class: "next" }, "À suivre\u00a0: ",
		    el("a", { href: unitHref(e.next), text: e.next.title })));
	e.weeks.forEach((w) => section.append(weekSection(w,
	    id + "-semaine-" + w.week)));
	return section;
}

async function init() {
	const user = await requireUser();
	renderHeader(user);
	const data = await api("GET", "/api/v1/me/course");
	$("chargement").hidden = true;
	if (data.enrolments.length === 0) {
		say($("message"), "Vous n'êtes inscrit·e à aucune session pour " +
		    "l'instant. Votre conseiller·ère OPCA ou l'organisme de " +
		    "formation vous inscrira.", "info");
		return;
	}
	$("parcours").replaceChildren(...data.enrolments.map(enrolmentSection),
	    el("p", {}, el("a", { href: "/api/v1/me/releve.csv",
	    download: "releve-connexions.csv",
	    text: "Télécharger mon relevé de connexions (CSV)" })));
}

init().catch((err) => failed(err, $("message")));
