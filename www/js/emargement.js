"use strict";

// The regroupement's attendance sheet of one session (?session=ID).
// Advisers mark their OPCA's learners, admins anyone, from the day of the
// regroupement; funders read. Only changed rows are sent; each becomes a
// new, time-stamped mark (the server keeps every earlier one).
import { api, busy, el, formatDate, say } from "./api.js";
import { $, failed, param, presence, reason, regroupement, startStaff,
    table } from "./spoc-ui.js";

const message = $("message");
let me = null;
let cohort = null;

const canMark = () => (me.role === "admin" || me.role === "adviser") &&
    cohort.attendance_open;

function last(e) {
	if (!e.marked_at)
		return "—";
	return formatDate(e.marked_at) + " par " + e.marked_by +
	    (e.marks > 1 ? " (" + e.marks + " saisies)" : "");
}

// Two radio buttons in a group named after the person.
function choice(e) {
	const name = "presence-" + e.id;
	const radio = (value, text) => {
		const id = name + "-" + value;
		return el("span", { class: "radio" },
		    el("input", { type: "radio", id, name, value,
			"data-enrolment": String(e.id),
			checked: (e.present === true && value === "present") ||
			    (e.present === false && value === "absent") }),
		    el("label", { for: id, text }));
	};
	return el("fieldset", { class: "inline" },
	    el("legend", { class: "visually-hidden",
		text: "Présence de " + e.name }),
	    radio("present", "Présent·e"), radio("absent", "Absent·e"));
}

function render() {
	const head = ["Nom", "Entreprise", "État", "Dernière saisie"];
	if (canMark())
		head.push("Présence");
	const rows = cohort.enrolments.map((e) => {
		const cells = [e.name, e.company, presence(e.present), last(e)];
		if (canMark())
			cells.push(choice(e));
		return cells;
	});
	$("tableau").replaceChildren(table("Émargement : nom, entreprise, " +
	    "état, dernière saisie" + (canMark() ? " et présence" : ""), head,
	    rows, "Aucune inscription dans cette session."));
	$("enregistrer").hidden = !canMark() || rows.length === 0;
	$("liste").hidden = false;
}

$("form-emargement").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-emargement");
	say(msg, "");
	say(message, "");
	const marks = [];
	for (const e of cohort.enrolments) {
		const r = ev.target.querySelector(
		    `input[name="presence-${e.id}"]:checked`);
		if (!r)
			continue;
		const present = r.value === "present";
		if (e.present !== present)
			marks.push({ enrolment: e.id, present });
	}
	if (marks.length === 0) {
		say(msg, "Aucun changement à enregistrer.", "info");
		return;
	}
	const button = $("enregistrer");
	busy(button, true, "Enregistrement…");
	try {
		await api("POST", "/api/v1/cohorts/" + cohort.id + "/attendance",
		    { marks });
		cohort = await api("GET", "/api/v1/cohorts/" + cohort.id);
		busy(button, false);
		render();
		say(message, marks.length + " saisie(s) enregistrée(s).", "ok");
	} catch (err) {
		busy(button, false);
		if (!err.redirecting)
			say(msg, reason(err), "error");
	}
});

async function init() {
	me = await startStaff();
	if (!me)
		return;
	let id = param("session");
	if (!id) {
		const list = await api("GET", "/api/v1/cohorts");
		id = list[0]?.id;
	}
	$("chargement").hidden = true;
	if (!id) {
		say(message, "Aucune session ouverte pour l'instant.", "info");
		return;
	}
	cohort = await api("GET", "/api/v1/cohorts/" + encodeURIComponent(id));
	$("titre-session").textContent = "Session « " + cohort.name + " »";
	$("resume-regroupement").textContent = regroupement(cohort);
	if (!cohort.attendance_open) {
		$("ferme").textContent = "L'émargement ouvre le jour du " +
		    "regroupement, le " + cohort.meeting_fr + ".";
		$("ferme").hidden = false;
	}
	$("resume").hidden = false;
	render();
}

init().catch((err) => failed(err, message));
