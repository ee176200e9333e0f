#!/usr/bin/env node
// Host-side check of a disk image the probe guest wrote (pattern: see
// native/guest/pattern.h and README.md). Every 512-byte sector must be all
// zeros or pattern(s, t) for its own LBA s and some tag t. Prints the runs
// found ("0-399 tag=0x82") and checks optional expectations.
//
//   node native/guest/tools/check-disk.mjs IMAGE [--expect FIRST-LAST:TAG|zero ...] [--strict]
//
// --expect 0-399:0x82   sectors 0..399 (inclusive) hold tag 0x82
// --expect 400-12799:zero
// --strict              sectors no --expect covers must be zero
// Exit status: 0 all good, 1 a bad sector or unmet expectation, 2 usage error.
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const SECTOR = 512;
const MAGIC = Buffer.from('KICKPAT', 'ascii');

/** The 512 bytes the probe writes to sector `lba` (a bigint or number) with tag `tag`. */
export function patternSector(lba, tag) {
  const s = BigInt(lba);
  const buf = Buffer.alloc(SECTOR);
  buf.writeBigUInt64LE(s, 0);
  buf[8] = tag;
  MAGIC.copy(buf, 9);
  const base = Number((s + (s >> 8n) + 37n * BigInt(tag)) & 0xffn);
  for (let o = 16; o < SECTOR; o++) buf[o] = (o + base) & 0xff;
  return buf;
}

/** Classifies one sector: {kind:'zero'} | {kind:'pattern', tag} | {kind:'bad', why}. */
export function classifySector(buf, lba) {
  let zero = true;
  for (let i = 0; i < SECTOR; i++) if (buf[i] !== 0) { zero = false; break; }
  if (zero) return { kind: 'zero' };
  const s = buf.readBigUInt64LE(0);
  if (s !== BigInt(lba)) return { kind: 'bad', why: `header names sector ${s}` };
  const tag = buf[8];
  if (!patternSector(lba, tag).equals(buf)) return { kind: 'bad', why: `body differs from pattern tag=0x${hex(tag)}` };
  return { kind: 'pattern', tag };
}

function hex(n) { return n.toString(16).padStart(2, '0'); }

/** Scans an image; returns {sectors, runs:[{first,last,kind,tag?}], bad:[{lba,why}]}. */
export function scanImage(path) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const sectors = Math.floor(size / SECTOR);
    const chunk = Buffer.alloc(SECTOR * 2048);
    const runs = [];
    const bad = [];
    let lba = 0;
    while (lba < sectors) {
      const n = Math.min(2048, sectors - lba);
      readSync(fd, chunk, 0, n * SECTOR, lba * SECTOR);
      for (let i = 0; i < n; i++, lba++) {
        const c = classifySector(chunk.subarray(i * SECTOR, (i + 1) * SECTOR), lba);
        if (c.kind === 'bad') bad.push({ lba, why: c.why });
        const key = c.kind === 'pattern' ? `tag=0x${hex(c.tag)}` : c.kind;
        const last = runs[runs.length - 1];
        if (last && last.key === key && last.last === lba - 1) last.last = lba;
        else runs.push({ first: lba, last: lba, key, kind: c.kind, tag: c.tag });
      }
    }
    return { sectors, trailingBytes: size % SECTOR, runs, bad };
  } finally {
    closeSync(fd);
  }
}

function parseExpect(spec) {
  const m = /^(\d+)-(\d+):(zero|0x[0-9a-fA-F]{1,2}|\d{1,3})$/.exec(spec);
  if (!m) throw new Error(`bad --expect '${spec}' (want FIRST-LAST:TAG or FIRST-LAST:zero)`);
  const first = Number(m[1]), last = Number(m[2]);
  if (last < first) throw new Error(`bad --expect '${spec}': LAST < FIRST`);
  return { first, last, key: m[3] === 'zero' ? 'zero' : `tag=0x${hex(Number(m[3]))}` };
}

function keyAt(runs, lba) {
  for (const r of runs) if (r.first <= lba && lba <= r.last) return r.key;
  return 'missing';
}

function main(argv) {
  const args = argv.slice(2);
  const image = args.shift();
  if (!image || image.startsWith('--')) {
    console.error('usage: check-disk.mjs IMAGE [--expect FIRST-LAST:TAG|zero ...] [--strict]');
    return 2;
  }
  const expects = [];
  let strict = false;
  try {
    while (args.length) {
      const a = args.shift();
      if (a === '--expect') expects.push(parseExpect(args.shift() ?? ''));
      else if (a === '--strict') strict = true;
      else throw new Error(`unknown argument '${a}'`);
    }
  } catch (e) {
    console.error(`check-disk: ${e.message}`);
    return 2;
  }
  const scan = scanImage(image);
  for (const r of scan.runs) console.log(`${r.first}-${r.last} ${r.key}`);
  let failures = 0;
  if (scan.trailingBytes) {
    console.log(`FAIL image size is not a multiple of 512 (${scan.trailingBytes} extra bytes): a device wrote past the end`);
    failures++;
  }
  for (const b of scan.bad.slice(0, 20)) console.log(`FAIL sector ${b.lba}: ${b.why}`);
  if (scan.bad.length > 20) console.log(`FAIL ... ${scan.bad.length - 20} more bad sectors`);
  failures += scan.bad.length;
  // Expectations: walk runs (cheap even for large images) rather than sectors.
  const covered = [];
  for (const e of expects) {
    if (e.last >= scan.sectors) { console.log(`FAIL expectation ${e.first}-${e.last} beyond the image's ${scan.sectors} sectors`); failures++; continue; }
    for (const r of scan.runs) {
      const lo = Math.max(r.first, e.first), hi = Math.min(r.last, e.last);
      if (lo <= hi && r.key !== e.key) { console.log(`FAIL sectors ${lo}-${hi}: ${r.key}, expected ${e.key}`); failures++; }
    }
    covered.push(e);
  }
  if (strict) {
    for (const r of scan.runs) {
      if (r.key === 'zero') continue;
      // Any part of a non-zero run that no expectation covers is a failure.
      let lba = r.first;
      while (lba <= r.last) {
        const e = covered.find((c) => c.first <= lba && lba <= c.last);
        if (e) { lba = e.last + 1; continue; }
        const next = Math.min(r.last, ...covered.filter((c) => c.first > lba).map((c) => c.first - 1));
        console.log(`FAIL sectors ${lba}-${next}: ${keyAt(scan.runs, lba)}, expected zero (--strict)`);
        failures++;
        lba = next + 1;
      }
    }
  }
  console.log(failures ? `check-disk: FAIL (${failures} problem(s))` : `check-disk: ok (${scan.sectors} sectors)`);
  return failures ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv);
