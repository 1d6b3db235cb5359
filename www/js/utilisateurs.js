"use strict";

// Accounts page. Admins create any account, disable and re-enable them;
// advisers create learners of their OPCA; both hand out invitation links.
// Funders see the list only. The server enforces all of this: the page only
// avoids offering what would be refused.
import { ROLE_LABELS, STAFF_ROLES, api, busy, el, formatDate, renderHeader,
    requireUser, roleLabel, say } from "./api.js";

const $ = (id) => document.getElementById(id);
const message = $("message");
const form = $("form-creation");
const roleSelect = $("role");
const opcaSelect = $("opca");
const filter = $("filtre");

let me = null;
let users = [];
let opcas = new Map();		// code -> name
let opener = null;		// button that opened the invitation panel

const isAdmin = () => me.role === "admin";
const canCreate = () => me.role === "admin" || me.role === "adviser";
const needsOpca = (role) => role === "learner" || role === "adviser";

// An invitation sets the password whatever was there, so for an account
// that has one it serves as a reset link (forgotten password).
function canInvite(u) {
	if (u.disabled || u.id === me.id)
		return false;
	return isAdmin() || (me.role === "adviser" && u.role === "learner");
}

const linkLabel = (u) => u.has_password ? "Lien de réinitialisation" :
    "Lien d'invitation";

function opcaName(code) {
	return code ? opcas.get(code) || code : "—";
}

function byName(a, b) {
	return a.name.localeCompare(b.name, "fr", { sensitivity: "base" }) ||
	    a.email.localeCompare(b.email, "fr");
}

function matches(u, q) {
	if (!q)
		return true;
	const norm = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
	    .toLowerCase();
	const n = norm(q);
	return norm(u.name).includes(n) || norm(u.email).includes(n);
}

// A button whose visible text is short and whose accessible name says for
// whom: "Désactiver" is read "Désactiver le compte de Lise Martin".
function rowButton(text, who, cls, onclick) {
	return el("button", { type: "button", class: cls, onclick },
	    text, el("span", { class: "visually-hidden", text: " — " + who }));
}

function actionsFor(u) {
	const cell = el("td", { class: "row-actions" });
	if (canInvite(u))
		cell.append(rowButton(linkLabel(u), u.name, "small",
		    (ev) => invite(u, ev.currentTarget)));
	if (isAdmin() && u.id !== me.id)
		cell.append(rowButton(u.disabled ? "Réactiver" : "Désactiver",
		    u.name, u.disabled ? "small" : "small danger",
		    (ev) => toggle(u, ev.currentTarget)));
	return cell;
}

function render() {
	const q = filter.value.trim();
	const shown = users.filter((u) => matches(u, q));
	const readOnly = !canCreate();
	const head = ["Nom", "Adresse e-mail", "Rôle", "OPCA", "État",
	    "Mot de passe"];
	if (!readOnly)
		head.push("Actions");

	const tbody = el("tbody");
	for (const u of shown) {
		const name = el("th", { scope: "row" }, u.name);
		if (u.id === me.id)
			name.append(el("span", { class: "muted", text: " (vous)" }));
		const row = el("tr", { "data-id": String(u.id),
		    class: u.disabled ? "off" : null },
		    name,
		    el("td", { class: "email", text: u.email }),
		    el("td", { text: roleLabel(u.role) }),
		    el("td", { text: opcaName(u.opca) }),
		    el("td", {}, el("span", {
			class: "badge " + (u.disabled ? "badge-off" : "badge-on"),
			text: u.disabled ? "Désactivé" : "Actif" })),
		    el("td", {}, el("span", {
			class: "badge " + (u.has_password ? "badge-on" :
			    "badge-wait"),
			text: u.has_password ? "Défini" :
			    "Invitation en attente" })));
		if (!readOnly)
			row.append(actionsFor(u));
		tbody.append(row);
	}
	if (shown.length === 0)
		tbody.append(el("tr", {}, el("td", { colspan: String(head.length),
		    class: "muted", text: q ? "Aucun compte ne correspond à " +
		    "cette recherche." : "Aucun compte." })));

	const table = el("table", { class: "users" },
	    el("caption", { class: "visually-hidden",
		text: "Comptes : nom, adresse e-mail, rôle, OPCA, état et " +
		"mot de passe" }),
	    el("thead", {}, el("tr", {}, ...head.map((h) =>
		el("th", { scope: "col", text: h })))),
	    tbody);
	// Focusable so that keyboard users can scroll a wide table.
	$("tableau").replaceChildren(el("div", { class: "table-wrap",
	    role: "region", "aria-label": "Tableau des comptes", tabindex: "0" },
	    table));
	const total = users.length;
	$("compteur").textContent = q ?
	    shown.length + " compte(s) sur " + total + " affiché(s)." :
	    total + (total > 1 ? " comptes." : " compte.");
}

function replaceUser(u) {
	const i = users.findIndex((x) => x.id === u.id);
	if (i >= 0)
		users[i] = u;
	else
		users.push(u);
	users.sort(byName);
}

// Put the focus back on the same row's button after a re-render.
function refocus(id, text) {
	const row = document.querySelector(`tr[data-id="${CSS.escape(
	    String(id))}"]`);
	const buttons = row ? [...row.querySelectorAll("button")] : [];
	const b = buttons.find((x) => x.textContent.startsWith(text)) ||
	    buttons[0];
	b?.focus();
}

async function toggle(u, button) {
	const disabling = !u.disabled;
	busy(button, true, disabling ? "Désactivation…" : "Réactivation…");
	say(message, "");
	try {
		const updated = await api("POST", "/api/v1/users/" +
		    encodeURIComponent(u.id) + "/disable", { disabled: disabling });
		replaceUser(updated);
		render();
		say(message, disabling ? "Le compte de " + u.name + " est " +
		    "désactivé et ses sessions sont fermées." :
		    "Le compte de " + u.name + " est réactivé.", "ok");
		refocus(u.id, disabling ? "Réactiver" : "Désactiver");
	} catch (err) {
		busy(button, false);
		if (!err.redirecting)
			say(message, err.message, "error");
	}
}

async function invite(u, button) {
	busy(button, true, "Création du lien…");
	say(message, "");
	try {
		const data = await api("POST", "/api/v1/users/" +
		    encodeURIComponent(u.id) + "/invitation");
		busy(button, false);
		showLink(u, data, button);
	} catch (err) {
		busy(button, false);
		if (!err.redirecting)
			say(message, err.message, "error");
	}
}

function showLink(u, data, from) {
	opener = from;
	$("titre-invitation").textContent = linkLabel(u) + " pour " + u.name;
	$("invitation-usage").textContent = u.has_password ? "elle y " +
	    "choisira un nouveau mot de passe, qui remplacera l'actuel." :
	    "elle y choisira son mot de passe.";
	$("lien").value = data.url;
	$("invitation-echeance").textContent = Number.isFinite(data.expires_at) ?
	    " (jusqu'au " + formatDate(data.expires_at) + ")" : "";
	say($("message-copie"), "");
	$("invitation").hidden = false;
	$("titre-invitation").focus();
	$("invitation").scrollIntoView({ block: "nearest" });
}

function closeLink() {
	$("invitation").hidden = true;
	$("lien").value = "";
	const back = opener && document.contains(opener) ? opener : filter;
	opener = null;
	back.focus();
}

// navigator.clipboard needs HTTPS (or localhost); over plain HTTP fall back
// to selecting the text for Ctrl+C.
async function copyLink() {
	const input = $("lien");
	const status = $("message-copie");
	try {
		if (!navigator.clipboard)
			throw new Error("no clipboard");
		await navigator.clipboard.writeText(input.value);
		say(status, "Lien copié. Collez-le dans votre message à la " +
		    "personne.", "ok");
	} catch {
		input.focus();
		input.select();
		let copied = false;
		try {
			copied = document.execCommand("copy");
		} catch {
			copied = false;
		}
		say(status, copied ? "Lien copié. Collez-le dans votre message " +
		    "à la personne." : "Copie automatique impossible : le lien " +
		    "est sélectionné, copiez-le avec Ctrl+C (ou Cmd+C).",
		    copied ? "ok" : "error");
	}
}

function syncOpcaField() {
	const show = isAdmin() && needsOpca(roleSelect.value);
	$("champ-opca").hidden = !show;
	opcaSelect.required = show;
}

function syncPasswordField() {
	const own = $("mode-mdp").checked;
	$("champ-mdp").hidden = !own;
	$("mdp").required = own;
	if (!own)
		$("mdp").value = "";
}

form.addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-creation");
	say(msg, "");
	say(message, "");
	if (!form.reportValidity())
		return;
	const body = {
		name: $("nom").value.trim(),
		email: $("email").value.trim(),
		role: roleSelect.value,
	};
	if (isAdmin() && needsOpca(body.role))
		body.opca = opcaSelect.value;
	if ($("mode-mdp").checked)
		body.password = $("mdp").value;
	const button = form.querySelector("button[type=submit]");
	busy(button, true, "Création…");
	try {
		const u = await api("POST", "/api/v1/users", body);
		replaceUser(u);
		form.reset();
		syncOpcaField();
		syncPasswordField();
		filter.value = "";
		render();
		say(message, "Compte créé pour " + u.name + " (" + u.email + ")." +
		    (u.has_password ? "" : " Créez maintenant son lien " +
		    "d'invitation avec le bouton « Lien d'invitation » de la " +
		    "liste."), "ok");
		$("nom").focus();
	} catch (err) {
		if (err.redirecting)
			return;
		say(msg, err.message, "error");
		if (err.status === 409)
			$("email").focus();
	} finally {
		busy(button, false);
	}
});

function setupForm() {
	const roles = isAdmin() ? ["learner", "adviser", "funder", "admin"] :
	    ["learner"];
	roleSelect.replaceChildren(...roles.map((r) =>
	    el("option", { value: r, text: ROLE_LABELS[r] })));
	opcaSelect.replaceChildren(el("option", { value: "",
	    text: "Choisissez un OPCA" }),
	    ...[...opcas].map(([code, name]) =>
		el("option", { value: code, text: name })));
	if (me.role === "adviser") {
		// One choice only: say it in words rather than show a select.
		roleSelect.closest(".field").hidden = true;
		$("creation-aide").textContent = "Vous créez des comptes " +
		    "d'apprenant·e rattachés à votre OPCA (" +
		    opcaName(me.opca) + ").";
	} else {
		$("creation-aide").textContent = "Les apprenant·es et les " +
		    "conseiller·ères sont rattachés à un OPCA.";
	}
	roleSelect.addEventListener("change", syncOpcaField);
	for (const r of form.querySelectorAll("input[name=mode]"))
		r.addEventListener("change", syncPasswordField);
	syncOpcaField();
	syncPasswordField();
	$("creation").hidden = false;
}

function refuse(text) {
	$("chargement").hidden = true;
	const r = $("refus");
	r.replaceChildren(el("strong", { text: "Accès refusé." }), " ", text,
	    " ", el("a", { href: "/compte.html", text: "Retour à mon compte" }));
	r.classList.add("error");
}

async function init() {
	me = await requireUser();
	renderHeader(me);
	if (!STAFF_ROLES.includes(me.role)) {
		refuse("Cette page est réservée à l'administration, aux " +
		    "conseiller·ères OPCA et aux financeurs.");
		return;
	}
	try {
		const [list, opcaList] = await Promise.all([
			api("GET", "/api/v1/users"),
			api("GET", "/api/v1/opcas"),
		]);
		opcas = new Map(opcaList.map((o) => [o.code, o.name]));
		users = list.slice().sort(byName);
	} catch (err) {
		if (err.redirecting)
			return;
		if (err.status === 403)
			refuse(err.detail || "Votre rôle ne permet pas de voir " +
			    "les comptes.");
		else {
			$("chargement").hidden = true;
			say(message, err.message, "error");
		}
		return;
	}
	$("chargement").hidden = true;
	if (canCreate())
		setupForm();
	else
		$("lecture-seule").hidden = false;
	filter.addEventListener("input", render);
	$("copier").addEventListener("click", copyLink);
	$("fermer").addEventListener("click", closeLink);
	$("lien").addEventListener("focus", (ev) => ev.target.select());
	render();
	$("liste").hidden = false;
}

init().catch((err) => {
	if (err.redirecting)
		return;
	$("chargement").hidden = true;
	say(message, err.message, "error");
});
