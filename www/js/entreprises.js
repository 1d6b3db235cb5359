"use strict";

// Companies: the list, and a form for advisers and admins. The server
// checks the SIRET's key and that the company has fewer than 250 staff.
import { api, busy, formatDate, say } from "./api.js";
import { $, failed, reason, siret, startStaff, table } from "./spoc-ui.js";

const message = $("message");
let companies = [];

function render() {
	$("tableau").replaceChildren(table("Entreprises : raison sociale, " +
	    "SIRET, effectif et date d'enregistrement", ["Raison sociale",
	    "SIRET", "Effectif", "Enregistrée le"], companies.map((c) =>
	    [c.name, siret(c.siret), String(c.headcount),
	    formatDate(c.created_at)]), "Aucune entreprise enregistrée."));
	$("liste").hidden = false;
}

$("form-creation").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const msg = $("message-creation");
	say(msg, "");
	say(message, "");
	if (!ev.target.reportValidity())
		return;
	const button = ev.target.querySelector("button[type=submit]");
	busy(button, true, "Enregistrement…");
	try {
		const c = await api("POST", "/api/v1/companies", {
			siret: $("siret").value,
			name: $("raison").value.trim(),
			headcount: Number($("effectif").value),
		});
		companies = await api("GET", "/api/v1/companies");
		render();
		ev.target.reset();
		say(message, "Entreprise « " + c.name + " » enregistrée.", "ok");
		$("siret").focus();
	} catch (err) {
		if (!err.redirecting)
			say(msg, reason(err), "error");
	} finally {
		busy(button, false);
	}
});

async function init() {
	const me = await startStaff();
	if (!me)
		return;
	companies = await api("GET", "/api/v1/companies");
	$("chargement").hidden = true;
	$("creation").hidden = me.role === "funder";
	render();
}

init().catch((err) => failed(err, message));
