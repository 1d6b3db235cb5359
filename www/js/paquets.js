"use strict";

// SCORM packages (admins): upload a .zip in 1 MiB slices, import it, list
// the imported packages with a link to the player. The server checks the
// role and the package; the page only reports.
import { api, apiRaw, busy, el, formatDate, renderHeader, requireUser,
    say } from "./api.js";

const $ = (id) => document.getElementById(id);
const form = $("form-import");
const message = $("message-import");
const progress = $("progression");
const SLICE = 1024 * 1024;

const frNum = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
const mb = (n) => frNum.format(n / 1e6) + " Mo";

function versionLabel(p) {
	return p.version === 12 ? "SCORM 1.2" : "SCORM " + (p.edition || "2004");
}

// The server's reason when there is one, else its message.
const reason = (err) => err.detail || err.message;

// Seconds or milliseconds since the epoch.
const when = (t) => formatDate(Number.isFinite(t) && t < 1e12 ? t * 1000 : t);

function render(list) {
	const head = ["Titre", "Version", "Taille", "Fichiers", "Importé le"];
	const tbody = el("tbody");
	for (const p of list)
		tbody.append(el("tr", { "data-id": String(p.id) },
		    el("th", { scope: "row" }, el("a", {
			href: "/lecteur.html?paquet=" + encodeURIComponent(p.id),
			text: p.title || "(sans titre)" })),
		    el("td", { text: versionLabel(p) }),
		    el("td", { text: mb(p.bytes) }),
		    el("td", { text: String(p.files) }),
		    el("td", { text: when(p.created_at) })));
	if (list.length === 0)
		tbody.append(el("tr", {}, el("td", { colspan: String(head.length),
		    class: "muted", text: "Aucun paquet importé." })));
	const table = el("table", { class: "users" },
	    el("caption", { class: "visually-hidden", text: "Paquets : titre, " +
		"version, taille, nombre de fichiers et date d'import" }),
	    el("thead", {}, el("tr", {}, ...head.map((h) =>
		el("th", { scope: "col", text: h })))),
	    tbody);
	$("tableau").replaceChildren(el("div", { class: "table-wrap",
	    role: "region", "aria-label": "Tableau des paquets", tabindex: "0" },
	    table));
	$("compteur").textContent = list.length + (list.length > 1 ?
	    " paquets." : " paquet.");
	$("liste").hidden = false;
}

async function refresh() {
	render(await api("GET", "/api/v1/packages"));
}

function showProgress(sent, total) {
	progress.max = Math.max(total, 1);
	progress.value = sent;
	$("envoi").textContent = "Envoi : " + mb(sent) + " sur " + mb(total);
}

// Sends the file slice by slice; on 409 resumes where the server says.
async function upload(file) {
	const { id } = await api("POST", "/api/v1/uploads", {});
	const path = "/api/v1/uploads/" + encodeURIComponent(id);
	let offset = 0;
	let conflicts = 0;
	showProgress(0, file.size);
	while (offset < file.size) {
		const chunk = file.slice(offset, Math.min(offset + SLICE,
		    file.size));
		try {
			const r = await apiRaw("PUT", path, chunk,
			    { "X-Upload-Offset": String(offset) });
			offset = Number.isFinite(r?.size) ? r.size :
			    offset + chunk.size;
		} catch (err) {
			const at = Number.parseInt(
			    err.headers?.get("X-Upload-Offset") || "", 10);
			if (err.status !== 409 || !Number.isFinite(at) ||
			    ++conflicts > 5)
				throw err;
			offset = at;
		}
		showProgress(offset, file.size);
	}
	return path;
}

form.addEventListener("submit", async (ev) => {
	ev.preventDefault();
	say(message, "");
	if (!form.reportValidity())
		return;
	const file = $("fichier").files[0];
	const title = $("titre").value.trim();
	const button = form.querySelector("button[type=submit]");
	busy(button, true, "Import en cours…");
	$("avancement").hidden = false;
	try {
		const path = await upload(file);
		$("envoi").textContent = "Fichier envoyé, vérification du " +
		    "paquet…";
		const r = await api("POST", path + "/import",
		    title ? { title } : {});
		const p = r.package;
		say(message, (r.already ? "Paquet déjà importé : " :
		    "Paquet importé : ") + p.title + " (" + versionLabel(p) + ").",
		    "ok");
		form.reset();
		$("avancement").hidden = true;
		await refresh();
	} catch (err) {
		if (err.redirecting)
			return;
		$("avancement").hidden = true;
		say(message, (err.status === 422 ? "Paquet refusé : " : "") +
		    reason(err), "error");
	} finally {
		busy(button, false);
	}
});

async function init() {
	const me = await requireUser();
	renderHeader(me);
	$("chargement").hidden = true;
	if (me.role !== "admin") {
		const r = $("refus");
		r.replaceChildren("Accès réservé à l'administration. ",
		    el("a", { href: "/compte.html", text: "Retour à mon compte" }));
		r.classList.add("error");
		return;
	}
	$("import").hidden = false;
	await refresh();
}

init().catch((err) => {
	if (err.redirecting)
		return;
	$("chargement").hidden = true;
	say($("refus"), reason(err), "error");
});
