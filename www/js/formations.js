"use strict";

// Course builder. Admins create a course, add an OPCA's track, and bind
// SCOs of imported packages to the weeks (trunk: 1-2, tracks: 3-4), with
// their estimated duration; advisers and funders see the course. The
// server checks every binding (the package and SCO exist, the item is a
// SCO) and says in French what is wrong.
import { api, busy, el, say } from "./api.js";
import { $, failed, options, param, reason, startStaff,
    table } from "./spoc-ui.js";

const message = $("message");
let me = null;
let courses = [];
let course = null;
let packages = [];
let opcas = [];

const isAdmin = () => me.role === "admin";
const trackCode = (t) => t.trunk ? "commun" : t.opca;
const version = (v) => v === 12 ? "SCORM 1.2" : "SCORM 2004";

function scoLabel(u) {
	return (u.package_title || "Paquet " + u.package_id) + " — " + u.item +
	    " (" + version(u.version) + ")";
}

async function saveMinutes(u, input, button) {
	say(message, "");
	busy(button, true, "Enregistrement…");
	try {
		course = await api("PATCH", "/api/v1/units/" + u.id,
		    { minutes: Number(input.value) });
		render();
		say(message, "Durée de « " + u.title + " » : " + input.value +
		    " minutes.", "ok");
	} catch (err) {
		busy(button, false);
		if (!err.redirecting)
			say(message, reason(err), "error");
	}
}

async function remove(u, button) {
	if (!window.confirm("Retirer l'unité « " + u.title + " » de la " +
	    "formation ? Les traces déjà enregistrées sont conservées."))
		return;
	say(message, "");
	busy(button, true, "Retrait…");
	try {
		course = await api("DELETE", "/api/v1/units/" + u.id);
		render();
		say(message, "L'unité « " + u.title + " » est retirée.", "ok");
		$("titre-cours").focus();
	} catch (err) {
		busy(button, false);
		if (!err.redirecting)
			say(message, reason(err), "error");
	}
}

function unitActions(u) {
	const id = "duree-" + u.id;
	const input = el("input", { id, type: "number", min: "1", max: "600",
	    value: String(u.minutes), class: "small-number" });
	const save = el("button", { type: "button", class: "small" },
	    "Enregistrer", el("span", { class: "visually-hidden",
		text: " la durée de " + u.title }));
	save.addEventListener("click", () => saveMinutes(u, input, save));
	const del = el("button", { type: "button", class: "small danger" },
	    "Retirer", el("span", { class: "visually-hidden",
		text: " l'unité " + u.title }));
	del.addEventListener("click", () => remove(u, del));
	return el("div", { class: "row-actions" },
	    el("label", { for: id, class: "visually-hidden",
		text: "Durée estimée de " + u.title + " en minutes" }),
	    input, save, del);
}

function render() {
	$("titre-cours").textContent = course.title + " (" + course.code + ")";
	const box = $("parcours");
	box.replaceChildren();
	for (const t of course.tracks) {
		const section = el("section", { class: "card" },
		    el("h3", { text: t.title + (t.trunk ?
			" — semaines 1 et 2" : " — semaines 3 et 4") }));
		for (const w of t.weeks) {
			const head = ["Unité", "Place", "SCO", "Durée estimée"];
			if (isAdmin())
				head.push("Actions");
			const rows = w.units.map((u) => {
				const cells = [u.title, String(u.position),
				    scoLabel(u), u.minutes + " min"];
				if (isAdmin())
					cells.push(unitActions(u));
				return cells;
			});
			section.append(el("h4", { text: "Semaine " + w.week +
			    " : " + w.units.length + " unité" +
			    (w.units.length > 1 ? "s" : "") + " sur 4" }),
			    table(t.title + ", semaine " + w.week, head, rows,
				"Aucune unité pour l'instant."));
		}
		box.append(section);
	}
	const keep = $("unite-parcours").value;
	options($("unite-parcours"), course.tracks.map((t) =>
	    [trackCode(t), t.title]));
	if (keep && course.tracks.some((t) => trackCode(t) === keep))
		$("unite-parcours").value = keep;
	syncWeeks();
	const have = new Set(course.tracks.map((t) => t.opca).filter(Boolean));
	const free = opcas.filter((o) => !have.has(o.code));
	options($("parcours-opca"), free.map((o) => [o.code, o.name]));
	$("ajout-parcours").hidden = !isAdmin() || free.length === 0;
	$("ajout-unite").hidden = !isAdmin();
	$("cours").hidden = false;
}

function syncWeeks() {
	const trunk = $("unite-parcours").value === "commun";
	options($("unite-semaine"), (trunk ? [1, 2] : [3, 4]).map((w) =>
	    [w, "Semaine " + w]));
}

async function syncScos() {
	const id = $("unite-paquet").value;
	options($("unite-sco"), [], id ? "Chargement…" : "Choisissez d'abord " +
	    "un paquet");
	if (!id)
		return;
	try {
		const p = await api("GET", "/api/v1/packages/" +
		    encodeURIComponent(id));
		const scos = (p.items || []).filter((i) => i.sco);
		options($("unite-sco"), scos.map((i) => [i.identifier,
		    i.title + " (" + i.identifier + ")"]));
	} catch (err) {
		if (!err.redirecting)
			say($("message-unite"), reason(err), "error");
	}
}

async function show(id) {
	course = await api("GET", "/api/v1/courses/" + encodeURIComponent(id));
	render();
}

$("unite-parcours").addEventListener("change", syncWeeks);
$("unite-paquet").addEventListener("change", syncScos);
$("formation").addEventListener("change", async (ev) => {
	try {
		await show(ev.target.value);
	} catch (err) {
		failed(err, message);
	}
});

$("form-unite").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-unite");
	say(msg, "");
	say(message, "");
	if (!ev.target.reportValidity())
		return;
	const body = {
		track: $("unite-parcours").value,
		week: Number($("unite-semaine").value),
		package: Number($("unite-paquet").value),
		item: $("unite-sco").value,
		minutes: Number($("unite-minutes").value),
	};
	const title = $("unite-titre").value.trim();
	if (title)
		body.title = title;
	const button = ev.target.querySelector("button[type=submit]");
	busy(button, true, "Ajout…");
	try {
		course = await api("POST", "/api/v1/courses/" + course.id +
		    "/units", body);
		render();
		$("unite-titre").value = "";
		say(message, "Unité ajoutée en semaine " + body.week + ".", "ok");
	} catch (err) {
		if (!err.redirecting)
			say(msg, reason(err), "error");
	} finally {
		busy(button, false);
	}
});

$("form-parcours").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-parcours");
	say(msg, "");
	const button = ev.target.querySelector("button[type=submit]");
	busy(button, true, "Ajout…");
	try {
		course = await api("POST", "/api/v1/courses/" + course.id +
		    "/tracks", { opca: $("parcours-opca").value });
		render();
		say(message, "Parcours ajouté.", "ok");
	} catch (err) {
		if (!err.redirecting)
			say(msg, reason(err), "error");
	} finally {
		busy(button, false);
	}
});

$("form-creation").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-creation");
	say(msg, "");
	if (!ev.target.reportValidity())
		return;
	const button = ev.target.querySelector("button[type=submit]");
	busy(button, true, "Création…");
	try {
		course = await api("POST", "/api/v1/courses", {
			title: $("creation-titre").value.trim(),
			code: $("creation-code").value.trim(),
		});
		courses.push(course);
		fillChoice();
		$("formation").value = String(course.id);
		ev.target.reset();
		render();
		say(message, "Formation « " + course.title + " » créée : " +
		    "ajoutez ses unités.", "ok");
		$("titre-cours").focus();
	} catch (err) {
		if (!err.redirecting)
			say(msg, reason(err), "error");
	} finally {
		busy(button, false);
	}
});

function fillChoice() {
	options($("formation"), courses.map((c) => [c.id, c.title]));
	$("choix").hidden = courses.length < 2;
}

async function init() {
	me = await startStaff();
	if (!me)
		return;
	[courses, opcas, packages] = await Promise.all([
		api("GET", "/api/v1/courses"), api("GET", "/api/v1/opcas"),
		api("GET", "/api/v1/packages"),
	]);
	$("chargement").hidden = true;
	$("lecture-seule").hidden = isAdmin();
	$("creation").hidden = !isAdmin();
	options($("unite-paquet"), packages.map((p) => [p.id, p.title + " (" +
	    version(p.version) + ")"]), "Choisissez un paquet");
	options($("unite-sco"), [], "Choisissez d'abord un paquet");
	fillChoice();
	if (courses.length === 0) {
		say(message, "Aucune formation pour l'instant." + (isAdmin() ?
		    " Créez-en une ci-dessous." : ""), "info");
		return;
	}
	const wanted = param("formation");
	const first = courses.find((c) => String(c.id) === wanted) ||
	    courses[0];
	$("formation").value = String(first.id);
	await show(first.id);
}

init().catch((err) => failed(err, message));
