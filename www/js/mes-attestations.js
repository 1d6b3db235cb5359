"use strict";

// « Mes attestations » on the learner's course page: the documents issued
// for the learner, each as a PDF and with its public verification page.
import { api, el, formatDate } from "./api.js";

const KINDS = { presence: "Attestation de présence",
    realisation: "Certificat de réalisation" };

async function init() {
	const section = document.getElementById("mes-attestations");
	let docs;
	try {
		docs = await api("GET", "/api/v1/me/attestations");
	} catch {
		return;	// the course page reports the session's problems
	}
	const list = el("ul", { class: "documents" });
	for (const d of docs)
		list.append(el("li", {},
		    el("a", { href: "/api/v1/attestations/" +
			encodeURIComponent(d.number) + "/pdf",
			text: KINDS[d.kind] + " n° " + d.number + " (PDF)" }),
		    " — émise le " + formatDate(d.issued_at) +
		    (d.superseded_by ? ", remplacée par " + d.superseded_by :
		    "") + " — ",
		    el("a", { href: "/verify/" + encodeURIComponent(d.number),
			text: "vérifier" })));
	section.replaceChildren(el("h2", { text: "Mes attestations" }),
	    docs.length ? list : el("p", { class: "muted", text: "Votre " +
	    "conseiller·ère émet vos attestations de présence pendant la " +
	    "formation, et votre certificat de réalisation à sa fin. Elles " +
	    "apparaîtront ici." }));
	section.hidden = false;
}

init();
