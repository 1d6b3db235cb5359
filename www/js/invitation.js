"use strict";

// Invitation link /invitation.html#TOKEN: check the token, let the person
// choose a password, and open their session. The token never goes into a
// query string or a log line: it lives in the fragment, which we remove from
// the address bar at once, and in this tab's sessionStorage so that a reload
// still works.
import { api, busy, me, rememberSession, renderHeader, say,
    setFlash } from "./api.js";

const TOKEN_KEY = "assidu.invitation";

const $ = (id) => document.getElementById(id);
const message = $("message");
const form = $("form-mdp");
const password = $("password");
const confirmation = $("confirmation");

function takeToken() {
	const fromHash = window.location.hash.slice(1);
	if (fromHash) {
		history.replaceState(null, "", window.location.pathname +
		    window.location.search);
		try {
			sessionStorage.setItem(TOKEN_KEY, fromHash);
		} catch {
			// a reload will need the link again
		}
		return fromHash;
	}
	try {
		return sessionStorage.getItem(TOKEN_KEY) || "";
	} catch {
		return "";
	}
}

function forgetToken() {
	try {
		sessionStorage.removeItem(TOKEN_KEY);
	} catch {
		// nothing kept
	}
}

const token = takeToken();

// The link cannot be used: say why and what to do.
function dead(text) {
	forgetToken();
	$("titre").textContent = "Lien d'invitation inutilisable";
	$("bienvenue").hidden = true;
	$("chargement").hidden = true;
	say(message, text, "error");
	$("aide").hidden = false;
}

form.addEventListener("submit", async (ev) => {
	ev.preventDefault();
	say(message, "");
	if (!form.reportValidity())
		return;
	if (password.value !== confirmation.value) {
		say(message, "Les deux mots de passe ne sont pas identiques.",
		    "error");
		confirmation.focus();
		return;
	}
	const button = form.querySelector("button[type=submit]");
	busy(button, true, "Enregistrement…");
	try {
		const data = await api("POST", "/api/v1/invitations/accept",
		    { token, password: password.value });
		forgetToken();
		rememberSession(data);
		setFlash("Votre mot de passe est enregistré. Bienvenue sur " +
		    "assidu !");
		window.location.replace("/compte.html");
	} catch (err) {
		busy(button, false);
		if (err.status === 404 || err.status === 410) {
			dead(err.message);
			return;
		}
		say(message, err.message, "error");
		password.focus();
	}
});

async function init() {
	me().then(renderHeader, () => renderHeader(null));
	if (!token) {
		dead("Ce lien d'invitation est incomplet. Vérifiez que vous " +
		    "avez copié le lien en entier.");
		return;
	}
	try {
		const who = await api("POST", "/api/v1/invitations/check",
		    { token });
		$("titre").textContent = "Bienvenue, " + who.name;
		document.title = "Bienvenue — assidu";
		$("email").value = who.email;
		$("chargement").hidden = true;
		$("bienvenue").hidden = false;
		password.focus();
	} catch (err) {
		if (err.status === 404 || err.status === 410)
			dead(err.message);
		else {
			$("chargement").hidden = true;
			say(message, err.message, "error");
		}
	}
}

init();
