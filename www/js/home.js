"use strict";

// Home page: shows whether the service answers, from /healthz, and the way
// in: "Se connecter", or for a visitor already logged in "Mon parcours"
// (learners) or "Mon compte".
import { me, renderHeader } from "./api.js";

const status = document.getElementById("status");
const acces = document.getElementById("acces-lien");

async function checkHealth() {
	try {
		const res = await fetch("/healthz", { cache: "no-store" });
		const body = await res.json();
		if (res.ok && body.status === "ok") {
			status.textContent = "Service disponible (version " +
			    body.version + ").";
			status.className = "ok";
		} else {
			status.textContent = "Service indisponible pour le moment.";
			status.className = "bad";
		}
	} catch {
		status.textContent = "Impossible de joindre le serveur.";
		status.className = "bad";
	}
}

async function showAccount() {
	let user = null;
	try {
		user = await me();
	} catch {
		user = null;	// the health line already tells what is wrong
	}
	renderHeader(user);
	if (user && user.role === "learner") {
		acces.textContent = "Mon parcours";
		acces.href = "/parcours.html";
	} else if (user) {
		acces.textContent = "Mon compte";
		acces.href = "/compte.html";
	}
}

checkHealth();
showAccount();
