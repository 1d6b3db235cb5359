"use strict";

// My account: who I am, change my password, log out here or everywhere.
import { STAFF_ROLES, api, busy, logout, renderHeader, requireUser, roleLabel,
    say, setFlash, takeFlash } from "./api.js";

const $ = (id) => document.getElementById(id);
const message = $("message");
const formMdp = $("form-mdp");
const messageMdp = $("message-mdp");

async function opcaName(code) {
	if (!code)
		return "—";
	try {
		const list = await api("GET", "/api/v1/opcas");
		const o = list.find((x) => x.code === code);
		return o ? o.name : code;
	} catch {
		return code;
	}
}

async function showUser(user) {
	renderHeader(user);
	$("info-nom").textContent = user.name;
	$("info-email").textContent = user.email;
	$("info-role").textContent = roleLabel(user.role);
	$("info-opca").textContent = await opcaName(user.opca);
	$("mdp-identifiant").value = user.email;
	$("chargement").hidden = true;
	$("infos").hidden = false;
	$("lien-comptes").hidden = !STAFF_ROLES.includes(user.role);
	$("lien-paquets").hidden = user.role !== "admin";
	$("lien-parcours").hidden = user.role !== "learner";
	for (const id of ["lien-sessions", "lien-suivi", "lien-attestations",
	    "lien-formations", "lien-entreprises"])
		$(id).hidden = !STAFF_ROLES.includes(user.role);
}

formMdp.addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const current = $("mdp-actuel");
	const next = $("mdp-nouveau");
	const again = $("mdp-confirmation");
	say(messageMdp, "");
	say(message, "");
	if (!formMdp.reportValidity())
		return;
	if (next.value !== again.value) {
		say(messageMdp, "Les deux nouveaux mots de passe ne sont pas " +
		    "identiques.", "error");
		again.focus();
		return;
	}
	const button = formMdp.querySelector("button[type=submit]");
	busy(button, true, "Enregistrement…");
	try {
		await api("POST", "/api/v1/me/password",
		    { current: current.value, password: next.value });
		formMdp.reset();
		say(messageMdp, "Votre mot de passe a été modifié. Vos " +
		    "sessions ouvertes sur d'autres appareils ont été " +
		    "fermées.", "ok");
	} catch (err) {
		if (err.redirecting)
			return;
		say(messageMdp, err.message, "error");
		if (err.status === 403) {
			current.value = "";
			current.focus();
		} else {
			next.focus();
		}
	} finally {
		busy(button, false);
	}
});

async function leave(all, button) {
	say(message, "");
	busy(button, true, "Déconnexion…");
	try {
		const data = await logout(all);
		const n = data?.sessions_closed;
		if (all && Number.isFinite(n) && n > 1)
			setFlash("Vous êtes déconnecté·e de vos " + n +
			    " sessions ouvertes.");
		else
			setFlash("Vous êtes déconnecté·e.");
		window.location.assign("/login.html");
	} catch (err) {
		busy(button, false);
		if (!err.redirecting)
			say(message, err.message, "error");
	}
}

$("sortir").addEventListener("click", (ev) => leave(false, ev.currentTarget));
$("sortir-partout").addEventListener("click",
    (ev) => leave(true, ev.currentTarget));

async function init() {
	const flash = takeFlash();
	if (flash)
		say(message, flash, "ok");
	try {
		await showUser(await requireUser());
	} catch (err) {
		$("chargement").textContent = err.message;
		$("chargement").className = "bad";
	}
}

init();
