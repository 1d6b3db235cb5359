// SCORM packages for the import tests: a minimal valid package of each
// version, and a corpus of hostile or broken ones (DESIGN §4, §10; issue 5).
//
//   validEntries('1.2' | '2004', opts) -> zipgen entries of a valid package
//   validPackage('1.2' | '2004', opts) -> the same, zipped (Buffer)
//   buildCorpus(dir) -> [{ file, name, expect, escapes }]
//
// Each hostile package is a valid package with exactly one fault, so the
// refusal can only come from that fault. `expect` matches the French
// message the import must print; `escapes` lists file names (unique per
// run) that the package tries to write outside its directory: none of them
// may exist anywhere afterwards.
//
// By hand: node tests/data/hostile.mjs DIR writes the corpus and the two
// valid packages into DIR.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { crc32, makeZip } from './zipgen.mjs';

// ---------------------------------------------------------------- content

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// A real PNG (16x16, RGB, a blue square with a lighter border).
export function tinyPng() {
  const w = 16, h = 16;
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) {
    raw[y * (1 + 3 * w)] = 0;  // filter: none
    for (let x = 0; x < w; x++) {
      const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1;
      const o = y * (1 + 3 * w) + 1 + 3 * x;
      raw[o] = edge ? 0x9d : 0x1f;
      raw[o + 1] = edge ? 0xc4 : 0x4e;
      raw[o + 2] = edge ? 0xff : 0xa8;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;   // bit depth
  ihdr[9] = 2;   // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CSS = `body { font-family: "DejaVu Sans", sans-serif; margin: 2rem; color: #1b1b1b; }
h1 { color: #1f4ea8; }
.logo { width: 16px; height: 16px; }
`;

// A page that finds the runtime API of its version, starts and ends a
// session, and marks itself completed: enough for a player to drive.
function scoPage(version, n, title) {
  const api = version === '1.2' ?
    { name: 'API', init: 'LMSInitialize', set: 'LMSSetValue', commit: 'LMSCommit',
      finish: 'LMSFinish', status: ['cmi.core.lesson_status', 'completed'] } :
    { name: 'API_1484_11', init: 'Initialize', set: 'SetValue', commit: 'Commit',
      finish: 'Terminate', status: ['cmi.completion_status', 'completed'] };
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="stylesheet" href="../commun/style.css">
</head>
<body>
<h1><img class="logo" src="../commun/logo.png" alt=""> ${title}</h1>
<p>Unité ${n} du paquet de test : une page, un bouton « Terminé ».</p>
<button id="fin" type="button">Terminé</button>
<script>
function findApi(w) {
  for (var i = 0; w && i < 10; i++, w = w.parent) {
    if (w.${api.name}) return w.${api.name};
    if (w === w.parent) break;
  }
  return window.opener ? window.opener.${api.name} : null;
}
var api = findApi(window);
if (api) api.${api.init}("");
document.getElementById("fin").onclick = function () {
  if (!api) return;
  api.${api.set}("${api.status[0]}", "${api.status[1]}");
  api.${api.commit}("");
  api.${api.finish}("");
};
</script>
</body>
</html>
`;
}

const GLOSSARY = `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Glossaire</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<h1>Glossaire</h1>
<dl>
<dt>SCO</dt><dd>Objet de contenu partageable, qui dialogue avec la plateforme.</dd>
<dt>Ressource</dt><dd>Contenu statique, sans dialogue avec la plateforme.</dd>
</dl>
</body>
</html>
`;

const TITLES = {
  org: 'Paquet de test assidu',
  sco1: 'Unité 1 : le courriel professionnel',
  sco2: 'Unité 2 : sauvegarder ses données',
  glossary: 'Glossaire',
};

function manifest12(title) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="assidu-test-12" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>${title}</title>
      <item identifier="ITEM-1" identifierref="RES-SCO1" isvisible="true">
        <title>${TITLES.sco1}</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
      <item identifier="ITEM-2" identifierref="RES-SCO2" isvisible="true">
        <title>${TITLES.sco2}</title>
        <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
        <adlcp:timelimitaction>continue,message</adlcp:timelimitaction>
        <adlcp:datafromlms>mode=revision</adlcp:datafromlms>
        <adlcp:masteryscore>70</adlcp:masteryscore>
      </item>
      <item identifier="ITEM-3" identifierref="RES-GLOSSAIRE" isvisible="true">
        <title>${TITLES.glossary}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-SCO1" type="webcontent" adlcp:scormtype="sco" href="sco1/index.html">
      <file href="sco1/index.html"/>
      <dependency identifierref="RES-COMMUN"/>
    </resource>
    <resource identifier="RES-SCO2" type="webcontent" adlcp:scormtype="sco" href="sco2/index.html">
      <file href="sco2/index.html"/>
      <dependency identifierref="RES-COMMUN"/>
    </resource>
    <resource identifier="RES-GLOSSAIRE" type="webcontent" adlcp:scormtype="asset" href="commun/glossaire.html">
      <file href="commun/glossaire.html"/>
      <dependency identifierref="RES-COMMUN"/>
    </resource>
    <resource identifier="RES-COMMUN" type="webcontent" adlcp:scormtype="asset">
      <file href="commun/style.css"/>
      <file href="commun/logo.png"/>
    </resource>
  </resources>
</manifest>
`;
}

function manifest2004(title) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="assidu-test-2004" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>${title}</title>
      <item identifier="ITEM-1" identifierref="RES-SCO1">
        <title>${TITLES.sco1}</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="obj-unite-1" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="ITEM-2" identifierref="RES-SCO2" parameters="?mode=normal">
        <title>${TITLES.sco2}</title>
        <adlcp:timeLimitAction>continue,message</adlcp:timeLimitAction>
        <adlcp:dataFromLMS>mode=revision</adlcp:dataFromLMS>
        <adlcp:completionThreshold completedByMeasure="false"/>
        <imsss:sequencing>
          <imsss:limitConditions attemptAbsoluteDurationLimit="PT30M"/>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="obj-unite-2" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="ITEM-3" identifierref="RES-GLOSSAIRE">
        <title>${TITLES.glossary}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-SCO1" type="webcontent" adlcp:scormType="sco" href="sco1/index.html">
      <file href="sco1/index.html"/>
      <dependency identifierref="RES-COMMUN"/>
    </resource>
    <resource identifier="RES-SCO2" type="webcontent" adlcp:scormType="sco" href="sco2/index.html">
      <file href="sco2/index.html"/>
      <dependency identifierref="RES-COMMUN"/>
    </resource>
    <resource identifier="RES-GLOSSAIRE" type="webcontent" adlcp:scormType="asset" href="commun/glossaire.html">
      <file href="commun/glossaire.html"/>
      <dependency identifierref="RES-COMMUN"/>
    </resource>
    <resource identifier="RES-COMMUN" type="webcontent" adlcp:scormType="asset">
      <file href="commun/style.css"/>
      <file href="commun/logo.png"/>
    </resource>
  </resources>
</manifest>
`;
}

// The manifest of a valid package, as text.
export function validManifest(version, { title } = {}) {
  if (version === '1.2')
    return manifest12(title || `${TITLES.org} (SCORM 1.2)`);
  if (version === '2004')
    return manifest2004(title || `${TITLES.org} (SCORM 2004)`);
  throw new TypeError(`validManifest: version '1.2' or '2004' expected, not ${version}`);
}

// The entries of a valid package, in zip order: directory entries (as zip
// -r writes them), the manifest first among the files, two SCOs, a
// glossary asset, a stylesheet, a PNG, a file with an accented name and
// one whose type the server cannot know (neither is in the manifest).
// opts:
//   title      organization title
//   manifest   manifest text instead of the generated one
//   edit       function(manifestText) -> manifestText
//   prefix     folder every entry goes under ('cours/': the zip of a folder)
//   dirs       false: no directory entries
//   omit       names to leave out
//   extra      entries appended at the end
export function validEntries(version, opts = {}) {
  let xml = opts.manifest !== undefined ? opts.manifest : validManifest(version, opts);
  if (opts.edit)
    xml = opts.edit(xml);
  const prefix = opts.prefix || '';
  const files = [
    { name: 'imsmanifest.xml', data: xml },
    { name: 'sco1/', data: '' },
    { name: 'sco1/index.html', data: scoPage(version, 1, TITLES.sco1) },
    { name: 'sco2/', data: '' },
    { name: 'sco2/index.html', data: scoPage(version, 2, TITLES.sco2) },
    { name: 'commun/', data: '' },
    { name: 'commun/glossaire.html', data: GLOSSARY },
    { name: 'commun/style.css', data: CSS, method: 'store' },
    { name: 'commun/logo.png', data: tinyPng(), method: 'store' },
    { name: 'commun/résumé.txt', data: 'Résumé : deux unités et un glossaire.\n' },
    { name: 'commun/données.xyz', data: Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff]) },
  ];
  const omit = new Set(opts.omit || []);
  const out = [];
  for (const f of files) {
    if (omit.has(f.name) || (opts.dirs === false && f.name.endsWith('/')))
      continue;
    out.push({ ...f, name: prefix + f.name });
  }
  return out.concat(opts.extra || []);
}

export function validPackage(version, opts = {}) {
  return makeZip(validEntries(version, opts));
}

// -------------------------------------------------------------- the corpus

const MB = 1024 * 1024;

// The manifest of a package that is no SCORM at all: another namespace,
// no ADL namespace, no schemaversion.
const FOREIGN_MANIFEST = `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="pas-scorm" xmlns="http://example.com/not-scorm">
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>Pas un paquet SCORM</title>
      <item identifier="ITEM-1" identifierref="RES-1">
        <title>Page</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" href="sco1/index.html">
      <file href="sco1/index.html"/>
    </resource>
  </resources>
</manifest>
`;

const XXE_DOCTYPE = '<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n';

const LOL_DOCTYPE = `<!DOCTYPE manifest [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
`;

// After the XML declaration (a DOCTYPE may not come before it).
function withDoctype(doctype) {
  return (xml) => xml.replace(/^(<\?xml[^>]*\?>\n)/, `$1${doctype}`);
}

// The cases, in the order they are written. Each is a function of the run's
// unique token returning { name, expect, bytes | entries, escapes }.
const CASES = [
  ['zip-slip', (t) => ({
    name: `zip-slip: ../../assidu-slip-${t}.txt`,
    expect: /chemin remontant \(\.\.\) interdit/i,
    entries: validEntries('1.2', { extra: [
      { name: `../../assidu-slip-${t}.txt`, data: 'écrit hors du paquet\n' },
    ] }),
    escapes: [`assidu-slip-${t}.txt`],
  })],
  ['zip-slip-deep', (t) => ({
    name: `zip-slip inside a folder: sco1/../../../../../../../../tmp/assidu-slip2-${t}.txt`,
    expect: /chemin remontant \(\.\.\) interdit/i,
    entries: validEntries('2004', { extra: [
      { name: `sco1/../../../../../../../../tmp/assidu-slip2-${t}.txt`, data: 'dehors\n' },
    ] }),
    escapes: [`assidu-slip2-${t}.txt`],
  })],
  ['absolute', (t) => ({
    // Not /etc/evil: a unique name we can look for, in a place the tests
    // may write to should the check be missing.
    name: `absolute path: /tmp/assidu-abs-${t}.txt`,
    expect: /chemin absolu interdit/i,
    entries: validEntries('1.2', { extra: [
      { name: `/tmp/assidu-abs-${t}.txt`, data: 'absolu\n' },
    ] }),
    escapes: [`assidu-abs-${t}.txt`],
  })],
  ['absolute-drive', (t) => ({
    name: `absolute Windows path: C:/assidu-drive-${t}.txt`,
    expect: /chemin absolu interdit/i,
    entries: validEntries('1.2', { extra: [
      { name: `C:/assidu-drive-${t}.txt`, data: 'lecteur\n' },
    ] }),
    escapes: [`assidu-drive-${t}.txt`],
  })],
  ['backslash-dotdot', (t) => ({
    name: `backslash: ..\\assidu-bs-${t}.txt`,
    expect: /barre oblique inverse interdite/i,
    entries: validEntries('1.2', { extra: [
      { name: `..\\assidu-bs-${t}.txt`, data: 'windows\n' },
    ] }),
    escapes: [`assidu-bs-${t}.txt`, `..\\assidu-bs-${t}.txt`],
  })],
  ['backslash-dir', () => ({
    name: 'backslash: sco1\\page.html',
    expect: /barre oblique inverse interdite/i,
    entries: validEntries('2004', { extra: [
      { name: 'sco1\\page.html', data: '<p>page</p>\n' },
    ] }),
  })],
  ['symlink', () => ({
    name: 'symlink: lien -> /etc/passwd',
    expect: /lien symbolique interdit/i,
    entries: validEntries('1.2', { extra: [
      { name: 'lien', data: '/etc/passwd', symlink: true },
    ] }),
  })],
  ['symlink-through', (t) => ({
    // The classic two-step escape: a link to outside, then a file under it.
    name: `symlink then a file through it: sortie -> ../../.., sortie/assidu-link-${t}.txt`,
    expect: /lien symbolique interdit/i,
    entries: validEntries('2004', { extra: [
      { name: 'sortie', data: '../../..', symlink: true },
      { name: `sortie/assidu-link-${t}.txt`, data: 'à travers le lien\n' },
    ] }),
    escapes: [`assidu-link-${t}.txt`],
  })],
  ['duplicate', () => ({
    name: 'duplicate entry: sco1/index.html twice, the second one different',
    expect: /entrée en double/i,
    entries: validEntries('1.2', { extra: [
      { name: 'sco1/index.html', data: '<p>remplacé</p>\n' },
    ] }),
  })],
  ['duplicate-root', () => ({
    name: 'duplicate entry: index.html twice',
    expect: /entrée en double/i,
    entries: validEntries('2004', { extra: [
      { name: 'index.html', data: '<p>un</p>\n' },
      { name: 'index.html', data: '<p>deux</p>\n' },
    ] }),
  })],
  ['bomb', () => ({
    name: 'zip bomb: 200 MB of zeros deflated, honest sizes',
    expect: /trop volumineux|taux de compression/i,
    entries: validEntries('1.2', { extra: [
      { name: 'commun/video.bin', data: Buffer.alloc(200 * MB), method: 'deflate' },
    ] }),
  })],
  ['bomb-lying', () => ({
    name: 'zip bomb with lying sizes: headers say 1 KB, inflates to 50 MB',
    expect: /trop volumineux|taux de compression|taille/i,
    entries: validEntries('2004', { extra: [
      { name: 'commun/petit.bin', data: Buffer.alloc(50 * MB), method: 'deflate',
        lieSize: 1024 },
    ] }),
  })],
  ['too-many', () => {
    const base = validEntries('1.2');
    const extra = [];
    for (let i = 0; base.length + extra.length < 20001; i++)
      extra.push({ name: `remplissage/f${String(i).padStart(5, '0')}.txt`, data: 'x',
        method: 'store' });
    return {
      name: '20,001 entries',
      expect: /trop de fichiers/i,
      entries: base.concat(extra),
    };
  }],
  ['xxe', () => ({
    name: 'XXE: external entity on file:///etc/passwd used in a title',
    expect: /DOCTYPE interdite/i,
    entries: validEntries('1.2', { edit: (xml) => withDoctype(XXE_DOCTYPE)(xml)
      .replace(`<title>${TITLES.org} (SCORM 1.2)</title>`, '<title>&x;</title>') }),
  })],
  ['billion-laughs', () => ({
    name: 'billion laughs: lol1..lol9, &lol9; in a title',
    expect: /DOCTYPE interdite/i,
    entries: validEntries('2004', { edit: (xml) => withDoctype(LOL_DOCTYPE)(xml)
      .replace(`<title>${TITLES.org} (SCORM 2004)</title>`, '<title>&lol9;</title>') }),
  })],
  ['no-manifest', () => ({
    name: 'no manifest: a valid zip holding only index.html',
    expect: /imsmanifest\.xml absent/i,
    entries: [{ name: 'index.html', data: '<!DOCTYPE html>\n<title>Seul</title>\n' }],
  })],
  ['manifest-in-folder', () => ({
    name: 'manifest in a folder: cours/imsmanifest.xml (the zip of a folder)',
    expect: /doit être à la racine/i,
    entries: validEntries('1.2', { prefix: 'cours/' }),
  })],
  ['malformed', () => ({
    name: 'malformed XML: an unclosed <title>',
    expect: /imsmanifest\.xml:\d+: XML mal formé/i,
    entries: validEntries('1.2', { edit: (xml) =>
      xml.replace(`<title>${TITLES.glossary}</title>`, `<title>${TITLES.glossary}`) }),
  })],
  ['missing-resource', () => ({
    name: 'missing resource: href absent.html, not in the zip',
    expect: /absent du paquet/i,
    entries: validEntries('2004', { edit: (xml) =>
      xml.replaceAll('"sco2/index.html"', '"absent.html"') }),
  })],
  ['wrong-namespace', () => ({
    name: 'wrong namespace: <manifest xmlns="http://example.com/not-scorm">, no schemaversion',
    expect: /ni SCORM 1\.2 ni SCORM 2004/i,
    entries: validEntries('1.2', { manifest: FOREIGN_MANIFEST }),
  })],
  ['not-a-zip', () => {
    // Random bytes, never starting like a zip and holding no end record.
    let bytes;
    do
      bytes = crypto.randomBytes(4096);
    while (bytes.includes(Buffer.from('PK')));
    return {
      name: 'not a zip: 4 KB of random bytes',
      expect: /pas une archive zip/i,
      bytes,
    };
  }],
  ['truncated', () => {
    const zip = validPackage('2004');
    return {
      name: 'truncated zip: a valid package cut in half',
      expect: /pas une archive zip/i,
      bytes: zip.subarray(0, zip.length >> 1),
    };
  }],
  ['name-mismatch', (t) => ({
    // A streaming unzip would trust the local header; the central
    // directory says something else.
    name: `local and central names disagree: index.html / ../../assidu-local-${t}.txt`,
    expect: /pas une archive zip|chemin remontant \(\.\.\) interdit/i,
    entries: validEntries('1.2', { extra: [
      { name: 'page.html', localName: `../../assidu-local-${t}.txt`, data: 'local\n' },
    ] }),
    escapes: [`assidu-local-${t}.txt`],
  })],
  ['non-utf8', () => ({
    name: 'non-UTF-8 entry name: bytes 0xff 0xfe',
    expect: /nom de fichier invalide|UTF-8/i,
    entries: validEntries('1.2', { extra: [
      { name: Buffer.concat([Buffer.from('commun/'), Buffer.from([0xff, 0xfe]),
        Buffer.from('.html')]), data: '<p>latin</p>\n' },
    ] }),
  })],
];

// Writes one zip per case into dir (created if needed) and describes them.
// The escape names carry a token unique to this call.
export function buildCorpus(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const token = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  return CASES.map(([id, make], i) => {
    const c = make(token);
    const file = path.join(dir, `${String(i + 1).padStart(2, '0')}-${id}.zip`);
    fs.writeFileSync(file, c.bytes !== undefined ? c.bytes : makeZip(c.entries));
    return { id, file, name: c.name, expect: c.expect, escapes: c.escapes || [] };
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node tests/data/hostile.mjs DIR\n');
    process.exit(2);
  }
  for (const c of buildCorpus(dir))
    process.stdout.write(`${path.basename(c.file)}\t${c.name}\t${c.expect}\n`);
  for (const v of ['1.2', '2004'])
    fs.writeFileSync(path.join(dir, `valid-${v}.zip`), validPackage(v));
  process.stdout.write(`valid-1.2.zip\nvalid-2004.zip\n`);
}
