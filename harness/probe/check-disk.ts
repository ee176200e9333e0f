// Host-side check of a disk image the probe guest wrote (the pattern is in
// harness/test/probe-pattern.ts). Every 512-byte sector must be all zeros or the
// pattern for its own LBA with some tag. Prints the runs found ("0-399 tag=0x82")
// and checks optional expectations.
//
//   node dist/harness/probe/check-disk.js IMAGE [--expect FIRST-LAST:TAG|zero ...] [--strict]
//
// --expect 0-399:0x82   sectors 0..399 (inclusive) hold tag 0x82
// --expect 400-12799:zero
// --strict              sectors no --expect covers must be zero
// Exit status: 0 all good, 1 a bad sector or unmet expectation, 2 usage error.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { classifySector, hexTag, SECTOR } from '../test/probe-pattern.js';

export interface SectorRun {
  first: number;
  last: number;
  /** 'zero', 'bad' or 'tag=0x82' */
  key: string;
}

export interface ImageScan {
  sectors: number;
  trailingBytes: number;
  runs: SectorRun[];
  bad: { lba: number; why: string }[];
}

const CHUNK_SECTORS = 2048;

/** Reads an image sector by sector into runs of the same content kind. */
export function scanImage(path: string): ImageScan {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const sectors = Math.floor(size / SECTOR);
    const chunk = Buffer.alloc(SECTOR * CHUNK_SECTORS);
    const runs: SectorRun[] = [];
    const bad: ImageScan['bad'] = [];
    for (let lba = 0; lba < sectors;) {
      const n = Math.min(CHUNK_SECTORS, sectors - lba);
      readSync(fd, chunk, 0, n * SECTOR, lba * SECTOR);
      for (let i = 0; i < n; i++, lba++) {
        const c = classifySector(chunk.subarray(i * SECTOR, (i + 1) * SECTOR), lba);
        if (c.kind === 'bad') bad.push({ lba, why: c.why });
        const key = c.kind === 'pattern' ? `tag=${hexTag(c.tag)}` : c.kind;
        const last = runs[runs.length - 1];
        if (last && last.key === key && last.last === lba - 1) last.last = lba;
        else runs.push({ first: lba, last: lba, key });
      }
    }
    return { sectors, trailingBytes: size % SECTOR, runs, bad };
  } finally {
    closeSync(fd);
  }
}

interface Expectation {
  first: number;
  last: number;
  key: string;
}

function parseExpect(spec: string): Expectation {
  const m = /^(\d+)-(\d+):(zero|0x[0-9a-fA-F]{1,2}|\d{1,3})$/.exec(spec);
  if (!m) throw new Error(`bad --expect '${spec}' (want FIRST-LAST:TAG or FIRST-LAST:zero)`);
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (last < first) throw new Error(`bad --expect '${spec}': LAST < FIRST`);
  const tag = Number(m[3]);
  if (m[3] !== 'zero' && tag > 255) throw new Error(`bad --expect '${spec}': a tag is one byte`);
  return { first, last, key: m[3] === 'zero' ? 'zero' : `tag=${hexTag(tag)}` };
}

/** The problems an image's scan has against the expectations, one line each. */
export function imageProblems(scan: ImageScan, expects: Expectation[], strict: boolean): string[] {
  const problems: string[] = [];
  if (scan.trailingBytes)
    problems.push(
      `image size is not a multiple of 512 (${scan.trailingBytes} extra bytes): a device wrote past the end`,
    );
  for (const b of scan.bad.slice(0, 20)) problems.push(`sector ${b.lba}: ${b.why}`);
  if (scan.bad.length > 20) problems.push(`... ${scan.bad.length - 20} more bad sectors`);
  // Walk runs (cheap even for large images) rather than sectors.
  for (const e of expects) {
    if (e.last >= scan.sectors) {
      problems.push(`expectation ${e.first}-${e.last} beyond the image's ${scan.sectors} sectors`);
      continue;
    }
    for (const r of scan.runs) {
      const lo = Math.max(r.first, e.first);
      const hi = Math.min(r.last, e.last);
      if (lo <= hi && r.key !== e.key) problems.push(`sectors ${lo}-${hi}: ${r.key}, expected ${e.key}`);
    }
  }
  if (strict) {
    for (const r of scan.runs) {
      if (r.key === 'zero') continue;
      // Any part of a non-zero run that no expectation covers is a problem.
      for (let lba = r.first; lba <= r.last;) {
        const e = expects.find((c) => c.first <= lba && lba <= c.last);
        if (e) {
          lba = e.last + 1;
          continue;
        }
        const next = Math.min(r.last, ...expects.filter((c) => c.first > lba).map((c) => c.first - 1));
        problems.push(`sectors ${lba}-${next}: ${r.key}, expected zero (--strict)`);
        lba = next + 1;
      }
    }
  }
  return problems;
}

const USAGE = 'usage: check-disk IMAGE [--expect FIRST-LAST:TAG|zero ...] [--strict]';

/** The command line; returns the exit status. */
export function main(args: string[], print: (line: string) => void = console.log): number {
  const [image, ...rest] = args;
  if (!image || image.startsWith('--')) {
    console.error(USAGE);
    return 2;
  }
  const expects: Expectation[] = [];
  let strict = false;
  try {
    while (rest.length) {
      const a = rest.shift();
      if (a === '--expect') expects.push(parseExpect(rest.shift() ?? ''));
      else if (a === '--strict') strict = true;
      else throw new Error(`unknown argument '${a}'`);
    }
  } catch (e) {
    console.error(`check-disk: ${(e as Error).message}`);
    return 2;
  }
  let scan: ImageScan;
  try {
    scan = scanImage(image);
  } catch (e) {
    console.error(`check-disk: ${(e as Error).message}`);
    return 2;
  }
  for (const r of scan.runs) print(`${r.first}-${r.last} ${r.key}`);
  const problems = imageProblems(scan, expects, strict);
  for (const p of problems) print(`FAIL ${p}`);
  print(
    problems.length ? `check-disk: FAIL (${problems.length} problem(s))` : `check-disk: ok (${scan.sectors} sectors)`,
  );
  return problems.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
