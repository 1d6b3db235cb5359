"use strict";

// Suivi of one session (?session=ID): for each learner the staff member
// may see, units completed per week, measured and reported time, a flag
// when the two disagree, last access, the regroupement's attendance and
// a link to their relevé; the whole relevé as a CSV file. Read-only.
import { api, el } from "./api.js";
import { $, chosenCohort, duration, failed, gapFlag, gapHelp, presence,
    regroupement, startStaff, table, when } from "./spoc-ui.js";

const message = $("message");

// "S1" on screen, "Semaine 1" for screen readers.
function weekHead(w) {
	return el("span", {},
	    el("span", { "aria-hidden": "true", text: "S" + w.week }),
	    el("span", { class: "visually-hidden", text: "Semaine " + w.week }));
}

// Advisers see their own OPCA's learners only: no OPCA column for them.
function row(e, role) {
	const t = e.totals;
	return [
		e.learner.name,
		e.company.name,
		...(role === "adviser" ? [] : [e.opca.name]),
		...e.weeks.map((w) => w.units ? w.done + "/" + w.units : "—"),
		t.completed + "/" + t.units,
		duration(t.measured_ms),
		duration(t.reported_ms),
		gapFlag(t.gap),
		when(e.last_at),
		presence(e.attendance.present),
		el("a", { href: "/admin/releve.html?inscription=" + e.id },
		    "Relevé", el("span", { class: "visually-hidden",
			text: " de " + e.learner.name })),
	];
}

function render(r, role) {
	const c = r.cohort;
	const list = r.enrolments;
	const all = list.filter((e) => e.totals.units > 0 &&
	    e.totals.completed === e.totals.units).length;
	$("titre-session").textContent = "Session « " + c.name + " »";
	$("resume-formation").textContent = c.course_title;
	$("resume-dates").textContent = "du " + c.start_fr + " au " + c.end_fr;
	$("resume-regroupement").textContent = regroupement(c);
	$("resume-effectif").textContent = list.length + " inscrit·e(s)" +
	    (role === "adviser" ? " de votre OPCA" : "") + ", dont " + all +
	    " ayant terminé toutes leurs unités";
	$("lien-csv").href = "/api/v1/cohorts/" + c.id + "/releve.csv";
	$("lien-inscriptions").href = "/admin/inscriptions.html?session=" +
	    c.id;
	$("lien-emargement").href = "/admin/emargement.html?session=" + c.id;
	$("lien-attestations").href = "/admin/attestations.html?session=" +
	    c.id;
	$("resume").hidden = false;
	$("tableau").replaceChildren(table("Suivi : par apprenant·e, " +
	    "unités terminées par semaine, temps mesuré et déclaré, écart, " +
	    "dernière connexion, émargement", ["Apprenant·e", "Entreprise",
	    ...(role === "adviser" ? [] : ["OPCA"]), ...c.weeks.map(weekHead),
	    "Unités terminées", "Temps mesuré", "Temps déclaré", "Écart",
	    "Dernière connexion", "Émargement", "Relevé"],
	    list.map((e) => row(e, role)), "Aucune inscription dans cette " +
	    "session.", "releve"));
	$("aide-ecart").replaceChildren(gapHelp());
	$("liste").hidden = false;
}

async function init() {
	const me = await startStaff();
	if (!me)
		return;
	const id = await chosenCohort(message);
	if (id)
		render(await api("GET", "/api/v1/cohorts/" +
		    encodeURIComponent(id) + "/releve"), me.role);
}

init().catch((err) => failed(err, message));
