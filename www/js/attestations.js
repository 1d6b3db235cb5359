"use strict";

// The attestations of one session (?session=ID): advisers issue them for
// their OPCA's learners, admins for anyone (and may issue the certificat
// before the end, which the audit log records); funders read and
// download. Documents are rendered by the server from their signed facts.
import { api, busy, el, formatDate, say } from "./api.js";
import { $, chosenCohort, failed, reason, startStaff,
    table } from "./spoc-ui.js";

const message = $("message");
const KINDS = { presence: "Attestation de présence",
    realisation: "Certificat de réalisation" };
let me = null;
let cohort = null;
let docs = [];

const canIssue = () => me.role === "admin" || me.role === "adviser";
const ended = () => cohort.state === "ended";

function pdfLink(d) {
	return el("a", { href: "/api/v1/attestations/" +
	    encodeURIComponent(d.number) + "/pdf", text: d.number,
	    "aria-label": KINDS[d.kind] + " n° " + d.number + " (PDF)" });
}

function status(d) {
	return d.superseded_by ? "Remplacé par " + d.superseded_by :
	    "En vigueur";
}

// The document in force of each kind, per enrolment.
function current(enrolmentId, kind) {
	return docs.find((d) => d.enrolment_id === enrolmentId &&
	    d.kind === kind && !d.superseded_by);
}

async function issue(body, path, button, region) {
	say(region, "");
	say(message, "");
	busy(button, true, "Émission…");
	try {
		const r = await api("POST", path, body);
		await load();
		const n = r.issued ?? 1;
		const skipped = (r.skipped || []).map((x) => x.learner);
		say(message, n + " document(s) émis et signé(s)." +
		    (skipped.length ? " Pas de certificat, faute d'unité " +
		    "terminée, pour : " + skipped.join(", ") + "." : ""), "ok");
	} catch (err) {
		busy(button, false);
		if (!err.redirecting)
			say(region, reason(err), "error");
	}
}

function issueButton(e, kind) {
	const label = (current(e.id, kind) ? "Réémettre " : "Émettre ") +
	    (kind === "presence" ? "l'attestation" : "le certificat");
	const b = el("button", { type: "button", class: "small",
	    "aria-label": label + " de " + e.name, text: label });
	b.addEventListener("click", () => issue({ kind, early: kind ===
	    "realisation" && !ended() }, "/api/v1/enrolments/" + e.id +
	    "/attestations", b, message));
	return b;
}

function cell(e, kind) {
	const d = current(e.id, kind);
	const parts = [d ? pdfLink(d) : "—"];
	if (canIssue() && (kind === "presence" || ended() ||
	    me.role === "admin"))
		parts.push(" ", issueButton(e, kind));
	return el("span", {}, ...parts);
}

function render() {
	const rows = cohort.enrolments.map((e) => [e.name, e.company,
	    e.opca_name || e.opca, cell(e, "presence"),
	    cell(e, "realisation")]);
	$("tableau-apprenants").replaceChildren(table("Documents en vigueur " +
	    "par apprenant·e", ["Apprenant·e", "Entreprise", "OPCO",
	    "Attestation de présence", "Certificat de réalisation"], rows,
	    "Aucune inscription dans cette session."));
	const hist = docs.map((d) => [pdfLink(d), KINDS[d.kind], d.learner,
	    formatDate(d.issued_at), status(d), el("a", { href: "/verify/" +
	    encodeURIComponent(d.number), text: "Vérifier" })]);
	$("tableau-documents").replaceChildren(table("Historique des " +
	    "documents", ["Numéro", "Document", "Apprenant·e", "Émis le",
	    "Statut", "Vérification"], hist, "Aucun document émis pour " +
	    "l'instant."));
	$("lien-zip").href = "/api/v1/cohorts/" + cohort.id +
	    "/attestations.zip";
	$("lien-zip").hidden = !docs.some((d) => !d.superseded_by);
	$("documents").hidden = false;
}

async function load() {
	[cohort, docs] = await Promise.all([
	    api("GET", "/api/v1/cohorts/" + encodeURIComponent(cohort.id)),
	    api("GET", "/api/v1/cohorts/" + encodeURIComponent(cohort.id) +
		"/attestations")]);
	busy($("emettre"), false);
	render();
}

function updateForm() {
	const real = $("type-realisation").checked;
	$("anticipe").hidden = !(real && !ended() && me.role === "admin");
	$("emettre").disabled = real && !ended() && !(me.role === "admin" &&
	    $("emission-anticipee").checked);
}

$("form-emission").addEventListener("change", updateForm);
$("form-emission").addEventListener("submit", (ev) => {
	ev.preventDefault();
	const kind = $("type-realisation").checked ? "realisation" :
	    "presence";
	issue({ kind, early: kind === "realisation" && !ended() &&
	    $("emission-anticipee").checked }, "/api/v1/cohorts/" +
	    cohort.id + "/attestations", $("emettre"),
	    $("message-emission"));
});

async function init() {
	me = await startStaff();
	if (!me)
		return;
	const id = await chosenCohort(message);
	if (!id)
		return;
	cohort = { id };
	await load();
	$("titre-session").textContent = "Session « " + cohort.name + " »";
	$("resume-dates").textContent = "du " + (cohort.start_fr ||
	    cohort.start_date) + " au " + (cohort.end_fr || cohort.end_date);
	$("resume-etat").textContent = ended() ? "Terminée" : "En cours ou " +
	    "à venir : les attestations de présence sont intermédiaires.";
	if (!ended()) {
		$("regle-certificat").textContent = "Le certificat de " +
		    "réalisation s'émet après la fin de la session" +
		    (me.role === "admin" ? ", sauf décision de l'organisme." :
		    ".");
		$("regle-certificat").hidden = false;
	}
	$("resume").hidden = false;
	$("emission").hidden = !canIssue();
	updateForm();
	render();
}

init().catch((err) => failed(err, message));
