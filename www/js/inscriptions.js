"use strict";

// Enrolments of one session (?session=ID): the people enrolled (advisers
// see their OPCA's), one person at a time, or a CSV file whose per-line
// report is shown. The file is all or nothing: the server writes nothing
// when a line is wrong, and says which line, which column and why.
import { api, apiRaw, busy, el, formatDate, say } from "./api.js";
import { $, chosenCohort, failed, options, reason, regroupement, siret,
    startStaff, table } from "./spoc-ui.js";

const message = $("message");
let me = null;
let cohort = null;

const canEnrol = () => me.role === "admin" || me.role === "adviser";

function renderList() {
	const list = cohort.enrolments;
	$("tableau").replaceChildren(table("Personnes inscrites : nom, " +
	    "adresse e-mail, entreprise, SIRET, OPCA et date", ["Nom",
	    "Adresse e-mail", "Entreprise", "SIRET", "OPCA", "Inscription le"],
	    list.map((e) => [e.name, e.email, e.company, siret(e.siret),
	    e.opca_name, formatDate(e.created_at)]), "Aucune inscription " +
	    "dans cette session pour l'instant."));
	$("compteur").textContent = list.length + (list.length > 1 ?
	    " personnes inscrites" : " personne inscrite") +
	    (me.role === "adviser" ? " (de votre OPCA)." : ".");
	$("liste").hidden = false;
}

function renderSummary() {
	$("titre-session").textContent = "Session « " + cohort.name + " »";
	$("resume-formation").textContent = cohort.course_title;
	$("resume-dates").textContent = "du " + cohort.start_fr + " au " +
	    cohort.end_fr;
	$("resume-regroupement").textContent = regroupement(cohort);
	$("lien-emargement").href = "/admin/emargement.html?session=" +
	    cohort.id;
	$("resume").hidden = false;
}

async function reload() {
	cohort = await api("GET", "/api/v1/cohorts/" + cohort.id);
	renderList();
}

const RESULTS = {
	enrolled: "Inscription faite",
	already: "Déjà inscrit·e : rien de changé",
};

function showReport(report, ok) {
	const title = $("titre-rapport");
	const summary = $("rapport-resume");
	if (ok) {
		title.textContent = "Rapport d'import : fichier importé";
		summary.textContent = report.enrolled + " inscription(s), " +
		    report.already + " personne(s) déjà inscrite(s), " +
		    report.accounts_created + " compte(s) créé(s), " +
		    report.companies_created + " entreprise(s) enregistrée(s).";
		if (report.accounts_created > 0)
			summary.append(" Les comptes créés n'ont pas encore de " +
			    "mot de passe : envoyez-leur un lien d'invitation " +
			    "depuis la page ", el("a", {
				href: "/admin/utilisateurs.html",
				text: "Comptes" }), ".");
		$("rapport-tableau").replaceChildren(table("Résultat par ligne",
		    ["Ligne", "Adresse e-mail", "Résultat"],
		    report.results.map((r) => [String(r.line), r.email,
		    (RESULTS[r.status] || r.status) + (r.account_created ?
		    ", compte créé" : "")]), "Aucune ligne."));
	} else {
		title.textContent = "Rapport d'import : rien n'a été importé";
		summary.textContent = report.errors.length + " erreur(s) à " +
		    "corriger dans le fichier, puis envoyez-le de nouveau.";
		$("rapport-tableau").replaceChildren(table("Erreurs par ligne",
		    ["Ligne", "Colonne", "Problème"], report.errors.map((e) =>
		    [e.line ? String(e.line) : "—", e.column || "—",
		    e.message]), "Aucune erreur."));
	}
	if (report.ignored_columns?.length)
		summary.append(" Colonne(s) ignorée(s) : " +
		    report.ignored_columns.join(", ") + ".");
	$("rapport").hidden = false;
	title.focus();
}

$("form-import").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-import");
	say(msg, "");
	$("rapport").hidden = true;
	const file = $("fichier").files[0];
	if (!file) {
		say(msg, "Choisissez un fichier CSV.", "error");
		$("fichier").focus();
		return;
	}
	const button = ev.target.querySelector("button[type=submit]");
	busy(button, true, "Import en cours…");
	try {
		const report = await apiRaw("POST", "/api/v1/cohorts/" +
		    cohort.id + "/enrolments/csv", file,
		    { "Content-Type": "text/csv" });
		say(msg, "Fichier importé.", "ok");
		showReport(report, true);
		await reload();
	} catch (err) {
		if (err.redirecting)
			return;
		if (err.body?.report) {
			say(msg, reason(err), "error");
			showReport(err.body.report, false);
		} else
			say(msg, reason(err), "error");
	} finally {
		busy(button, false);
	}
});

$("form-unique").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-unique");
	say(msg, "");
	say(message, "");
	if (!ev.target.reportValidity())
		return;
	const body = { email: $("email").value.trim(),
	    siret: $("siret").value };
	for (const [key, id] of [["name", "nom"], ["company", "raison"],
	    ["headcount", "effectif"]]) {
		if ($(id).value.trim())
			body[key] = $(id).value.trim();
	}
	if (me.role === "admin" && $("opca").value)
		body.opca = $("opca").value;
	const button = ev.target.querySelector("button[type=submit]");
	busy(button, true, "Inscription…");
	try {
		const r = await api("POST", "/api/v1/cohorts/" + cohort.id +
		    "/enrolments", body);
		ev.target.reset();
		await reload();
		say(message, r.email + " est inscrit·e à la session" +
		    (r.account_created ? " ; son compte a été créé." : "."),
		    "ok");
		$("email").focus();
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
	const id = await chosenCohort(message);
	if (!id)
		return;
	const opcas = await api("GET", "/api/v1/opcas");
	cohort = await api("GET", "/api/v1/cohorts/" + encodeURIComponent(id));
	renderSummary();
	renderList();
	if (!canEnrol())
		return;
	if (me.role === "admin") {
		options($("opca"), opcas.map((o) => [o.code, o.name]),
		    "(celui du compte existant)");
		$("champ-opca").hidden = false;
	} else
		$("aide-opca").hidden = true;
	$("import").hidden = cohort.state === "ended";
	$("unique").hidden = cohort.state === "ended";
}

init().catch((err) => failed(err, message));
