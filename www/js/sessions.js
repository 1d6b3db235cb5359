"use strict";

// Sessions (cohorts): the list with their calendar and links to the
// enrolments, the attendance sheet and the follow-up (suivi) of each;
// admins open new ones.
import { api, busy, el, say } from "./api.js";
import { $, STATES, failed, options, reason, regroupement, startStaff,
    table } from "./spoc-ui.js";

const message = $("message");
let me = null;
let cohorts = [];

// "semaine 2 ouverte" or the next opening.
function progress(c) {
	if (c.state !== "running")
		return STATES[c.state] || c.state;
	const open = c.weeks.filter((w) => w.open);
	const next = c.weeks.find((w) => !w.open);
	let s = "En cours : semaine " + open.length + " ouverte";
	if (next)
		s += " ; semaine " + next.week + " le " + next.opens_fr;
	return s;
}

// A link to one of the session's pages, named after it for screen readers.
function pageLink(page, text, c) {
	return el("a", { href: "/admin/" + page + ".html?session=" + c.id },
	    text, el("span", { class: "visually-hidden", text: " — " + c.name }));
}

function render() {
	const rows = cohorts.map((c) => [
		c.name,
		c.course_title,
		"du " + c.start_fr + " au " + c.end_fr,
		progress(c),
		regroupement(c),
		String(c.enrolled),
		el("div", { class: "row-actions" },
		    pageLink("inscriptions", "Inscriptions", c),
		    pageLink("emargement", "Émargement", c),
		    pageLink("suivi", "Suivi", c),
		    pageLink("attestations", "Attestations", c)),
	]);
	$("tableau").replaceChildren(table("Sessions : nom, formation, dates, " +
	    "avancement, regroupement, inscrits et liens", ["Session",
	    "Formation", "Dates", "Avancement", "Regroupement",
	    me.role === "adviser" ? "Inscrits de votre OPCA" : "Inscrits",
	    "Pages"], rows, "Aucune session pour l'instant."));
	$("liste").hidden = false;
}

$("form-creation").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-creation");
	say(msg, "");
	say(message, "");
	if (!ev.target.reportValidity())
		return;
	const body = {
		course: Number($("session-formation").value),
		name: $("session-nom").value.trim(),
		start: $("session-debut").value,
		end: $("session-fin").value,
		meeting_date: $("session-regroupement").value,
		meeting_mode: ev.target.querySelector("input[name=mode]:checked")
		    .value,
	};
	if ($("session-heure").value)
		body.meeting_time = $("session-heure").value;
	if ($("session-lieu").value.trim())
		body.meeting_place = $("session-lieu").value.trim();
	const button = ev.target.querySelector("button[type=submit]");
	busy(button, true, "Ouverture…");
	try {
		const c = await api("POST", "/api/v1/cohorts", body);
		cohorts = await api("GET", "/api/v1/cohorts");
		render();
		ev.target.reset();
		say(message, "Session « " + c.name + " » ouverte : la semaine 1 " +
		    "s'ouvre le " + c.weeks[0].opens_fr + ".", "ok");
	} catch (err) {
		if (!err.redirecting)
			say(msg, reason(err), "error");
	} finally {
		busy(button, false);
	}
});

async function init() {
	me = await startStaff();
	if (!me)
		return;
	const [list, courses] = await Promise.all([
		api("GET", "/api/v1/cohorts"), api("GET", "/api/v1/courses"),
	]);
	cohorts = list;
	$("chargement").hidden = true;
	$("liens").hidden = false;
	render();
	if (me.role === "admin") {
		options($("session-formation"), courses.map((c) =>
		    [c.id, c.title]));
		$("creation").hidden = courses.length === 0;
		if (courses.length === 0)
			say(message, "Créez d'abord une formation pour ouvrir " +
			    "une session.", "info");
	}
}

init().catch((err) => failed(err, message));
