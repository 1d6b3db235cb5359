"use strict";

// The package player: the package's table of contents, the current SCO in
// an iframe, previous and next. /lecteur.html?paquet=ID[&element=IDENT].
// Each SCO gets a runtime session and its SCORM API (scorm-api.js) before
// its frame loads; assets run without one.
import { api, csrfToken, el, loginUrl, me, renderHeader, requireUser, say }
    from "./api.js";
import { Runtime, replayJournal } from "./scorm-api.js";

const params = new URLSearchParams(window.location.search);
const message = document.getElementById("message");
const toc = document.getElementById("sommaire");
const prev = document.getElementById("precedent");
const next = document.getElementById("suivant");
const unitTitle = document.getElementById("titre-unite");
let frame = document.getElementById("sco");

let launchable = [];
let current = -1;	// the item chosen
let loaded = -1;	// the item in the frame
let base = "";
let packageId = 0;
let runtime = null;
let launching = Promise.resolve();
let saveShown = "";	// the saving state #message shows, if any

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

// Removing the frame runs the SCO's pagehide handler at once, while its API
// still works: it terminates and sends its last values before its session
// is closed. A blank frame takes its place unless the page goes away.
function unloadSco(replace) {
	if (!replace) {
		frame.remove();
		return;
	}
	if (frame.getAttribute("src") === "about:blank")
		return;
	const blank = frame.cloneNode(false);
	blank.src = "about:blank";
	frame.replaceWith(blank);
	frame = blank;
}

// What the learner sees of the saving: nothing while all goes well.
function saveStatus(st) {
	const texts = {
		retrying: ["Vos réponses n'ont pas pu être " +
		    "enregistrées\u00a0; nouvel essai en cours…", "info"],
		failed: ["Vos réponses n'ont pas encore pu être " +
		    "enregistrées. Elles sont gardées dans ce navigateur et " +
		    "de nouveaux essais suivent\u00a0: vérifiez votre " +
		    "connexion.", "error"],
		refused: ["Une réponse de l'unité a été refusée par le " +
		    "serveur\u00a0; les autres sont enregistrées.", "error"],
		login: ["Votre session a expiré\u00a0: reconnectez-vous pour " +
		    "que vos réponses soient enregistrées. ", "error"],
		closed: ["Cette session de l'unité est close\u00a0: " +
		    "rechargez la page pour que vos réponses soient de " +
		    "nouveau enregistrées.", "error"],
	};
	// A refused value stays said: saving the others does not undo it.
	if (st.kind === "saved") {
		if (saveShown && saveShown !== "refused")
			say(message, "");
		if (saveShown !== "refused")
			saveShown = "";
		return;
	}
	const [text, kind] = texts[st.kind] || texts.failed;
	say(message, text, kind);
	if (st.kind === "login")
		message.append(el("a", { href: loginUrl(),
		    text: "Se reconnecter" }));
	saveShown = st.kind;
}

function select(index) {
	const item = launchable[index];
	current = index;
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

// The previous SCO leaves, then the next one gets its session and API, and
// only then its frame: its Initialize answers at once.
async function launch(index) {
	if (index !== current)
		return;		// another item was chosen meanwhile
	const item = launchable[index];
	unloadSco(true);
	loaded = -1;
	runtime.close();
	if (saveShown === "refused") {
		say(message, "");
		saveShown = "";
	}
	if (item.sco) {
		try {
			await runtime.open(packageId, item.identifier);
		} catch (err) {
			say(message, err.message, "error");
			saveShown = "";
			return;
		}
		if (index !== current)
			return;
	}
	frame.addEventListener("load", watchFrame);
	frame.src = launchUrl(item);
	loaded = index;
}

// Input inside the SCO's frame does not reach the player's window: listen
// in the frame (same origin) so that the heartbeats know the learner is
// there, and look for a playing video or sound.
const FRAME_ACTIVITY = ["pointerdown", "keydown", "wheel", "touchstart",
    "scroll"];

function frameDocument() {
	try {
		return frame.contentDocument;
	} catch {
		return null;
	}
}

function watchFrame() {
	const doc = frameDocument();
	if (!doc || !runtime)
		return;
	for (const ev of FRAME_ACTIVITY)
		doc.addEventListener(ev, () => runtime?.noteActivity(),
		    { passive: true, capture: true });
}

function framePlaying() {
	const doc = frameDocument();
	return Boolean(doc && [...doc.querySelectorAll("video, audio")]
	    .some((m) => !m.paused && !m.ended));
}

function show(index) {
	if (index < 0 || index >= launchable.length ||
	    (index === current && index === loaded))
		return;
	select(index);
	launching = launching.then(() => launch(index)).catch((err) => {
		say(message, err.message, "error");
		saveShown = "";
	});
	return launching;
}

async function render(pkg) {
	document.getElementById("titre-paquet").textContent = pkg.title;
	document.getElementById("version").textContent = pkg.version === 12 ?
	    "SCORM 1.2" : "SCORM " + pkg.edition;
	base = "/content/" + pkg.sha256 + "/";
	packageId = pkg.id;
	launchable = pkg.items.filter((item) => item.href);
	const wanted = params.get("element");
	const start = launchable.findIndex((i) => i.identifier === wanted);
	// The contents appear with the first unit's frame.
	await show(start >= 0 ? start : 0);
	toc.replaceChildren();
	let index = 0;
	for (const item of pkg.items) {
		const li = el("li",
		    { class: "depth-" + Math.min(item.depth, 3) });
		if (item.href) {
			const i = index++;
			li.append(el("a", { href: "#", "data-index": String(i),
			    "aria-current": i === current ? "page" : null,
			    text: item.title, onclick: (ev) => {
				ev.preventDefault();
				show(i);
			} }));
		} else {
			li.append(el("span", { class: "heading",
			    text: item.title }));
		}
		toc.append(li);
	}
}

async function main() {
	const user = await requireUser();
	renderHeader(user);
	prev.addEventListener("click", () => show(current - 1));
	next.addEventListener("click", () => show(current + 1));
	const id = params.get("paquet");
	if (!id || !/^[0-9]+$/.test(id)) {
		say(message, "Aucun paquet indiqué.", "error");
		return;
	}
	try {
		const pkg = await api("GET", "/api/v1/packages/" + id);
		const opts = {
			csrf: csrfToken,
			refreshCsrf: () => me(true),
			user: user.id,
		};
		// What a closed tab left unsent goes first: the new session
		// starts from it.
		await replayJournal(opts);
		runtime = new Runtime({ ...opts, mediaPlaying: framePlaying,
		    model: await api("GET", "/api/v1/runtime/datamodel"),
		    onStatus: saveStatus,
		    unloadContent: () => unloadSco(false) });
		await render(pkg);
	} catch (err) {
		if (!err.redirecting)
			say(message, err.message, "error");
	}
}

main();
