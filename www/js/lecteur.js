"use strict";

// The package player: the package's table of contents, the current SCO in
// an iframe, previous and next. /lecteur.html?paquet=ID[&element=IDENT].
// The runtime API (window.API, window.API_1484_11) arrives with the SCORM
// run-time issue; until then content runs as it would outside an LMS.
import { api, el, renderHeader, requireUser, say } from "./api.js";

const params = new URLSearchParams(window.location.search);
const message = document.getElementById("message");
const frame = document.getElementById("sco");
const toc = document.getElementById("sommaire");
const prev = document.getElementById("precedent");
const next = document.getElementById("suivant");
const unitTitle = document.getElementById("titre-unite");

let launchable = [];
let current = -1;
let base = "";

// A launch URL inside the package: its href, then the item's parameters
// (SCORM joins them with '?' or '&', and '#' parameters stay fragments).
function launchUrl(item) {
	let url = base + item.href.split("/").map(encodeURIComponent).join("/");
	const p = item.parameters || "";
	if (p.startsWith("#"))
		return url + p;
	if (p)
		url += (url.includes("?") ? "&" : "?") + p.replace(/^[?&]/, "");
	return url;
}

function show(index) {
	if (index < 0 || index >= launchable.length)
		return;
	current = index;
	const item = launchable[index];
	frame.src = launchUrl(item);
	unitTitle.textContent = item.title;
	document.title = item.title + " — assidu";
	prev.disabled = index === 0;
	next.disabled = index === launchable.length - 1;
	for (const a of toc.querySelectorAll("a")) {
		if (a.dataset.index === String(index))
			a.setAttribute("aria-current", "page");
		else
			a.removeAttribute("aria-current");
	}
	const url = new URL(window.location.href);
	url.searchParams.set("element", item.identifier);
	history.replaceState(null, "", url);
}

function render(pkg) {
	document.getElementById("titre-paquet").textContent = pkg.title;
	document.getElementById("version").textContent = pkg.version === 12 ?
	    "SCORM 1.2" : "SCORM " + pkg.edition;
	base = "/content/" + pkg.sha256 + "/";
	launchable = [];
	toc.replaceChildren();
	for (const item of pkg.items) {
		const li = el("li", { class: "depth-" + Math.min(item.depth, 3) });
		if (item.href) {
			const index = launchable.length;
			launchable.push(item);
			li.append(el("a", { href: "#", "data-index": String(index),
			    text: item.title, onclick: (ev) => {
				ev.preventDefault();
				show(index);
			} }));
		} else {
			li.append(el("span", { class: "heading", text: item.title }));
		}
		toc.append(li);
	}
	const wanted = params.get("element");
	const start = launchable.findIndex((i) => i.identifier === wanted);
	show(start >= 0 ? start : 0);
}

async function main() {
	renderHeader(await requireUser());
	prev.addEventListener("click", () => show(current - 1));
	next.addEventListener("click", () => show(current + 1));
	const id = params.get("paquet");
	if (!id || !/^[0-9]+$/.test(id)) {
		say(message, "Aucun paquet indiqué.", "error");
		return;
	}
	try {
		render(await api("GET", "/api/v1/packages/" + id));
	} catch (err) {
		if (!err.redirecting)
			say(message, err.message, "error");
	}
}

main();
