"use strict";

// Login form: POST /api/v1/login, then back to the page that sent us here.
import { api, busy, el, me, rememberSession, renderHeader, safeSuite, say,
    takeFlash } from "./api.js";

const form = document.getElementById("login");
const email = document.getElementById("email");
const password = document.getElementById("password");
const button = form.querySelector("button[type=submit]");
const message = document.getElementById("message");
const deja = document.getElementById("deja");

const params = new URLSearchParams(window.location.search);
const suite = safeSuite(params.get("suite")) || "/compte.html";

let waitTimer = null;

function seconds(n) {
	if (n < 120)
		return n + " s";
	return Math.ceil(n / 60) + " min";
}

// After too many failures the button stays off until the server says.
function holdOff(n) {
	clearTimeout(waitTimer);
	button.disabled = true;
	waitTimer = setTimeout(() => {
		button.disabled = false;
		say(message, "Vous pouvez réessayer.", "info");
	}, n * 1000);
}

form.addEventListener("submit", async (ev) => {
	ev.preventDefault();
	if (!form.reportValidity())
		return;
	say(message, "");
	busy(button, true, "Connexion…");
	try {
		const data = await api("POST", "/api/v1/login", {
			email: email.value.trim(),
			password: password.value,
		});
		rememberSession(data);
		window.location.assign(suite);
		return;
	} catch (err) {
		busy(button, false);
		if (err.status === 429) {
			const n = err.retryAfter || 30;
			say(message, "Trop de tentatives de connexion. " +
			    "Réessayez dans " + seconds(n) + ".", "error");
			holdOff(n);
		} else if (err.status === 401) {
			say(message, err.detail ||
			    "Adresse e-mail ou mot de passe incorrect.", "error");
		} else {
			say(message, err.message, "error");
		}
		password.value = "";
		password.focus();
	}
});

async function init() {
	const flash = takeFlash();
	if (flash)
		say(message, flash, "ok");
	let user = null;
	try {
		user = await me();
	} catch {
		user = null;	// the form still works; errors show on submit
	}
	renderHeader(user);
	if (user) {
		deja.replaceChildren("Vous êtes connecté·e en tant que ",
		    el("strong", { text: user.name }), ". ",
		    el("a", { href: suite, text: "Continuer" }),
		    " ou connectez-vous avec un autre compte.");
		deja.hidden = false;
	}
	if (!email.value)
		email.focus();
}

init();
