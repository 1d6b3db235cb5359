"use strict";

// The public verification page: /verify/NUMBER shows what the register
// says of a document (valid, superseded, unknown, tampered) and its
// signed facts; a visitor may also check a PDF they received, whose
// embedded facts and signature the server checks without keeping it.
// No login: it uses fetch directly, not the session's API wrapper.
import { el, formatDate, say } from "./api.js";
import { siret } from "./spoc-ui.js";

const $ = (id) => document.getElementById(id);
const message = $("message");

const VERDICTS = {
	valid: ["Document authentique", "ok"],
	superseded: ["Document authentique, mais remplacé", "info"],
	unknown: ["Document inconnu", "error"],
	tampered: ["Document altéré", "error"],
};
const KINDS = { presence: "Attestation de présence (relevé de connexions)",
    realisation: "Certificat de réalisation" };
const STATUS = { completed: "terminée", incomplete: "en cours",
    "not attempted": "non commencée" };
const MODES = { online: "à distance", onsite: "sur site" };

function hms(s) {
	const h = Math.floor(s / 3600);
	const m = Math.floor(s / 60) % 60;
	return h + " h " + String(m).padStart(2, "0") + " min";
}

function day(d) {
	if (!d)
		return "";
	const [y, m, dd] = d.split("-").map(Number);
	return new Intl.DateTimeFormat("fr-FR", { dateStyle: "long",
	    timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, dd)));
}

function facts(f, r) {
	const dl = $("faits");
	const add = (k, v) => {
		if (v !== undefined && v !== null && v !== "")
			dl.append(el("dt", { text: k }), el("dd", {}, v));
	};
	dl.replaceChildren();
	add("Numéro", f.number);
	add("Document", KINDS[f.kind] + (f.interim ? " — document " +
	    "intermédiaire, session en cours" : ""));
	add("Émis le", formatDate(Date.parse(f.issued_at)));
	if (r.superseded_by)
		add("Remplacé par", el("a", { href: "/verify/" +
		    encodeURIComponent(r.superseded_by),
		    text: r.superseded_by }));
	add("Remplace", f.supersedes);
	add("Organisme", f.organisation?.name + " — déclaration d'activité " +
	    "n° " + f.organisation?.nda);
	add("Apprenant·e", f.learner?.name);
	add("Entreprise", f.company?.name + " (SIRET " +
	    siret(f.company?.siret) + ")");
	add("OPCO", f.opca?.name);
	add("Formation", f.course?.title);
	add("Session", f.cohort?.name + ", du " + day(f.cohort?.start_date) +
	    " au " + day(f.cohort?.end_date));
	const t = f.totals || {};
	add("Unités terminées", t.completed + " sur " + t.units);
	add("Durée certifiée", hms(t.certified_minutes * 60) + " (unités " +
	    "terminées × durée estimée)");
	add("Temps de connexion mesuré", hms(t.measured_s));
	add("Temps déclaré par les unités", hms(t.reported_s));
	const g = f.regroupement;
	if (g)
		add("Regroupement", day(g.date) + ", " + (MODES[g.mode] ||
		    g.mode) + " : " + (g.present === true ? "présent·e" :
		    g.present === false ? "absent·e" : "non émargé"));
	add("Clé de signature", f.key);
}

function units(f) {
	const rows = [];
	for (const w of f.weeks || [])
		for (const u of w.units)
			rows.push(el("tr", {},
			    el("td", { text: String(w.week) }),
			    el("th", { scope: "row", text: u.title }),
			    el("td", { text: u.first_access ?
				formatDate(Date.parse(u.first_access)) : "—" }),
			    el("td", { text: hms(u.measured_s) }),
			    el("td", { text: STATUS[u.status] || u.status })));
	$("unites").replaceChildren(el("div", { class: "table-wrap",
	    role: "region", "aria-label": "Unités", tabindex: "0" },
	    el("table", { class: "users" },
		el("caption", { text: "Relevé par unité" }),
		el("thead", {}, el("tr", {}, ...["Semaine", "Unité",
		    "Première connexion", "Temps mesuré", "Statut"].map((h) =>
		    el("th", { scope: "col", text: h })))),
		el("tbody", {}, ...rows))));
}

function show(r) {
	const [title, kind] = VERDICTS[r.status] || VERDICTS.unknown;
	const box = $("verdict");
	$("titre-verdict").textContent = title + (r.number ? " — " +
	    r.number : "");
	$("verdict-texte").textContent = r.message + (r.code_needed ? " Les " +
	    "faits certifiés (nom, entreprise, durées) ne s'affichent " +
	    "qu'avec le code de vérification imprimé sous le QR code du " +
	    "document, ou en déposant le PDF ci-dessous." : "");
	$("verdict-texte").className = "message " + kind;
	box.hidden = false;
	$("faits").replaceChildren();
	$("unites").replaceChildren();
	if (r.facts) {
		facts(r.facts, r);
		units(r.facts);
	}
	box.querySelector("details").hidden = !r.facts_json;
	$("faits-json").value = r.facts_json || "";
	$("signature").value = r.signature || "";
	document.title = title + " — assidu";
}

async function ask(url, init) {
	say(message, "");
	try {
		const res = await fetch(url, { credentials: "omit",
		    headers: { Accept: "application/json" }, ...init });
		const body = await res.json().catch(() => ({}));
		if (!res.ok) {
			$("verdict").hidden = true;
			say(message, body.detail || body.message ||
			    "La vérification a échoué.", "error");
			return;
		}
		show(body);
	} catch {
		say(message, "Le serveur ne répond pas : réessayez.", "error");
	}
}

// The document's address: /verify/NUMBER?c=CODE, as in its QR code.
function address(n, code) {
	return encodeURIComponent(n) + (code ? "?c=" +
	    encodeURIComponent(code) : "");
}

$("form-numero").addEventListener("submit", (ev) => {
	ev.preventDefault();
	const n = $("numero").value.trim().toUpperCase();
	const code = $("code").value.trim().toLowerCase();
	history.pushState(null, "", "/verify/" + address(n, code));
	ask("/api/v1/verify/" + address(n, code));
});

$("form-fichier").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const file = $("fichier").files[0];
	if (!file)
		return;
	ask("/api/v1/verify", { method: "POST", body: file,
	    headers: { Accept: "application/json",
		"Content-Type": "application/pdf" } });
});

const m = /^\/verify\/([^/]+)$/.exec(window.location.pathname);
if (m) {
	const n = decodeURIComponent(m[1]);
	const code = new URLSearchParams(window.location.search).get("c") || "";
	$("numero").value = n;
	$("code").value = code;
	ask("/api/v1/verify/" + address(n, code));
} else if (new URLSearchParams(window.location.search).get("numero")) {
	// The form without JavaScript's help: GET /verify?numero=…&c=…
	const q = new URLSearchParams(window.location.search);
	window.location.replace("/verify/" + address(q.get("numero").trim(),
	    (q.get("c") || "").trim()));
}
