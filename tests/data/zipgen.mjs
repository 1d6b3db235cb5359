// A tiny ZIP writer for tests: it writes exactly the bytes it is told to,
// including what a well-behaved zip tool never would (absolute or `..`
// names, backslashes, duplicates, non-UTF-8 names, symlinks, sizes that
// lie). Plain Node, no npm package: node:zlib for deflate, our own CRC-32.
//
//   makeZip([{ name, data, method, symlink, mode, lieSize, ... }]) -> Buffer
//
// entry fields:
//   name      string (written as UTF-8, flagged as such when not ASCII) or
//             Buffer (written as is, never flagged); a name ending in '/'
//             is a directory entry
//   data      Buffer or string (UTF-8); for a symlink, the link target
//   method    'store' or 'deflate' (default: 'deflate' for files with data,
//             'store' for directories, symlinks and empty files)
//   symlink   true: a Unix symlink entry (made by Unix, mode 0120777)
//   mode      Unix mode for the external attributes (default 0100644 for a
//             file, 040755 for a directory, 0120777 for a symlink)
//   lieSize   uncompressed size written in the local and central headers
//             instead of the real one (the data and its CRC stay real)
//   localName name written in the local header only (the central directory
//             keeps `name`): a zip whose two directories disagree
//   utf8      force the UTF-8 name flag (general purpose bit 11) on or off
//   comment   central directory comment of the entry (string)
//
// No ZIP64: at most 65535 entries and 4 GiB - 1 per size or offset.

import zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++)
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

// CRC-32 (ISO 3309, as in zip and PNG) of a Buffer, as an unsigned number;
// `crc` continues a previous result.
export function crc32(buf, crc = 0) {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < buf.length; i++)
    c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// zlib.crc32 (Node >= 20.15) computes the same thing in C; large bombs
// would otherwise spend seconds here.
const fastCrc32 = typeof zlib.crc32 === 'function' ?
  (buf) => zlib.crc32(buf) >>> 0 : crc32;

// A fixed timestamp, so that the same entries always give the same bytes
// (and the same SHA-256): 2026-01-05 10:30:00, in MS-DOS format.
const DOS_TIME = (10 << 11) | (30 << 5) | 0;
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 5;

const MADE_BY_UNIX = (3 << 8) | 30;   // Unix, spec 3.0
const VERSION_NEEDED = 20;            // 2.0: deflate, directories

const MAX32 = 0xffffffff;

function toBuffer(x) {
  if (x === undefined || x === null)
    return Buffer.alloc(0);
  if (Buffer.isBuffer(x))
    return x;
  if (x instanceof Uint8Array)
    return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return Buffer.from(String(x), 'utf8');
}

function nameBytes(name) {
  if (Buffer.isBuffer(name))
    return { bytes: name, utf8: false };
  const bytes = Buffer.from(String(name), 'utf8');
  // Bit 11 only matters for names that are not plain ASCII.
  return { bytes, utf8: bytes.some((b) => b >= 0x80) };
}

function check32(what, n) {
  if (!Number.isInteger(n) || n < 0 || n > MAX32)
    throw new RangeError(`zipgen: ${what} ${n} does not fit in 32 bits (no ZIP64)`);
}

// One entry, normalised: everything the headers need.
function prepare(e, index) {
  if (e === null || typeof e !== 'object' || e.name === undefined)
    throw new TypeError(`zipgen: entry ${index}: { name, data } expected`);
  const { bytes: name, utf8 } = nameBytes(e.name);
  const local = e.localName !== undefined ? nameBytes(e.localName).bytes : name;
  const isDir = !e.symlink && name.length > 0 && name[name.length - 1] === 0x2f;
  const data = toBuffer(e.data);
  const method = e.method || (isDir || e.symlink || data.length === 0 ? 'store' : 'deflate');
  if (method !== 'store' && method !== 'deflate')
    throw new TypeError(`zipgen: entry ${index}: method 'store' or 'deflate' expected`);
  const body = method === 'deflate' ? zlib.deflateRawSync(data, { level: 9 }) : data;
  let mode = e.mode;
  if (mode === undefined)
    mode = e.symlink ? 0o120777 : isDir ? 0o040755 : 0o100644;
  // Low byte: MS-DOS attributes (0x10 = directory), as Info-ZIP writes.
  const external = ((mode & 0xffff) << 16 | (isDir ? 0x10 : 0)) >>> 0;
  const size = e.lieSize !== undefined ? e.lieSize : data.length;
  check32('size', size);
  check32('compressed size', body.length);
  let flags = 0;
  if (e.utf8 !== undefined ? e.utf8 : utf8)
    flags |= 1 << 11;
  return {
    name, local, body, flags, external, size,
    method: method === 'deflate' ? 8 : 0,
    crc: fastCrc32(data),
    comment: toBuffer(e.comment),
  };
}

function localHeader(p) {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(VERSION_NEEDED, 4);
  h.writeUInt16LE(p.flags, 6);
  h.writeUInt16LE(p.method, 8);
  h.writeUInt16LE(DOS_TIME, 10);
  h.writeUInt16LE(DOS_DATE, 12);
  h.writeUInt32LE(p.crc, 14);
  h.writeUInt32LE(p.body.length, 18);
  h.writeUInt32LE(p.size, 22);
  h.writeUInt16LE(p.local.length, 26);
  h.writeUInt16LE(0, 28);           // extra field length
  return Buffer.concat([h, p.local]);
}

function centralHeader(p, offset) {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(MADE_BY_UNIX, 4);
  h.writeUInt16LE(VERSION_NEEDED, 6);
  h.writeUInt16LE(p.flags, 8);
  h.writeUInt16LE(p.method, 10);
  h.writeUInt16LE(DOS_TIME, 12);
  h.writeUInt16LE(DOS_DATE, 14);
  h.writeUInt32LE(p.crc, 16);
  h.writeUInt32LE(p.body.length, 20);
  h.writeUInt32LE(p.size, 24);
  h.writeUInt16LE(p.name.length, 28);
  h.writeUInt16LE(0, 30);           // extra field length
  h.writeUInt16LE(p.comment.length, 32);
  h.writeUInt16LE(0, 34);           // disk number start
  h.writeUInt16LE(0, 36);           // internal attributes
  h.writeUInt32LE(p.external, 38);
  h.writeUInt32LE(offset, 42);
  return Buffer.concat([h, p.name, p.comment]);
}

// The whole archive: local headers and data, central directory, end record.
export function makeZip(entries, { comment = '' } = {}) {
  if (!Array.isArray(entries))
    throw new TypeError('zipgen: makeZip(entries): an array expected');
  if (entries.length > 0xffff)
    throw new RangeError('zipgen: more than 65535 entries needs ZIP64');
  const parts = [];
  const central = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const p = prepare(e, i);
    check32('offset', offset);
    const lh = localHeader(p);
    parts.push(lh, p.body);
    central.push(centralHeader(p, offset));
    offset += lh.length + p.body.length;
  });
  const cd = Buffer.concat(central);
  check32('central directory offset', offset);
  const zc = toBuffer(comment);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);          // this disk
  end.writeUInt16LE(0, 6);          // disk with the central directory
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(zc.length, 20);
  return Buffer.concat([...parts, cd, end, zc]);
}
