"use strict";

// One learner's relevé de connexions (?inscription=ID): who, which
// company, OPCA and session; a table a week with each unit's first and
// last access, connections, measured and reported time, a flag when they
// disagree, status and score; the totals with the certified duration.
// Staff read it (advisers their OPCA's learners), as a CSV file too.
import { api, el, formatDate, say } from "./api.js";
import { $, COMPLETION, SUCCESS, duration, failed, gapFlag, gapHelp, param,
    presence, regroupement, siret, startStaff, table,
    when } from "./spoc-ui.js";

const message = $("message");

// 75 -> "1 h 15 min", 15 -> "15 min".
function minutes(n) {
	return duration(n * 60000);
}

// "Terminée, réussie", "En cours", "Non commencée".
function status(p) {
	const s = COMPLETION[p.completion] || p.completion;
	const r = (SUCCESS[p.success] ?? p.success).toLowerCase();
	return r ? s + ", " + r : s;
}

// A unit never opened has no time to show, rather than "0 s".
function unitRow(u) {
	const p = u.progress;
	const none = p.sessions === 0;
	return [u.title, minutes(u.minutes), when(p.first_at),
	    when(p.last_at), String(p.visits),
	    none ? "—" : duration(p.measured_ms),
	    none ? "—" : duration(p.reported_ms), none ? "—" : gapFlag(p.gap),
	    status(p), p.score ?? "—"];
}

// French counts: "0 unité terminée", "3 unités terminées".
function done(n, of) {
	return n + (n > 1 ? " unités terminées" : " unité terminée") +
	    " sur " + of;
}

function weekSection(w, r) {
	const id = "semaine-" + w.week;
	const open = w.state === "locked" ? "Ouvre le " + w.opens_fr :
	    "Ouverte le " + w.opens_fr;
	return el("section", { class: "card", "aria-labelledby": id },
	    el("h2", { id, text: "Semaine " + w.week +
		(w.track ? " — " + w.track : "") }),
	    el("p", { class: "muted", text: open + " · " +
		done(w.done, w.units.length) }),
	    table("Semaine " + w.week + " de " + r.learner.name + " : unité, " +
		"durée estimée, première et dernière connexion, connexions, " +
		"temps mesuré et déclaré, écart, statut, score",
		["Unité", "Durée estimée", "Première connexion",
		"Dernière connexion", "Connexions", "Temps mesuré",
		"Temps déclaré", "Écart", "Statut", "Score"],
		w.units.map(unitRow), "Pas d'unité dans cette semaine.",
		"releve"));
}

function attendance(a) {
	if (!a.at)
		return presence(a.present);
	return presence(a.present) + " (saisi le " + formatDate(a.at) +
	    " par " + a.by_label + ")";
}

function render(r) {
	const c = r.cohort;
	const t = r.totals;
	document.title = "Relevé de connexions de " + r.learner.name +
	    " — assidu";
	$("titre-apprenant").textContent = r.learner.name;
	$("info-email").textContent = r.learner.email;
	$("info-entreprise").textContent = r.company.name + " — SIRET " +
	    siret(r.company.siret);
	$("info-opca").textContent = r.opca.name;
	$("info-formation").textContent = r.course.title;
	$("info-session").textContent = c.name + ", du " + c.start_fr +
	    " au " + c.end_fr;
	$("info-regroupement").textContent = regroupement(c);
	$("info-emargement").textContent = attendance(r.attendance);
	$("total-unites").textContent = t.completed + " sur " + t.units;
	$("total-mesure").textContent = duration(t.measured_ms);
	$("total-declare").textContent = duration(t.reported_ms);
	$("total-ecart").replaceChildren(gapFlag(t.gap));
	$("total-certifie").textContent = minutes(t.certified_minutes);
	$("lien-suivi").href = "/admin/suivi.html?session=" + c.id;
	$("lien-csv").href = "/api/v1/enrolments/" + r.id + "/releve.csv";
	$("semaines").replaceChildren(...r.weeks.map((w) =>
	    weekSection(w, r)));
	$("aide-ecart").replaceChildren(gapHelp());
	for (const id of ["liens", "identite", "totaux"])
		$(id).hidden = false;
}

async function init() {
	const me = await startStaff();
	if (!me)
		return;
	const id = param("inscription");
	$("chargement").hidden = true;
	if (!id) {
		say(message, "Choisissez un·e apprenant·e depuis la page Suivi.",
		    "info");
		return;
	}
	render(await api("GET", "/api/v1/enrolments/" +
	    encodeURIComponent(id) + "/releve"));
}

init().catch((err) => failed(err, message));
