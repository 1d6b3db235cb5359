"use strict";

// Home page: shows whether the service answers, from /healthz.
const status = document.getElementById("status");

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

checkHealth();
