// Just enough of an ELF64 reader to find what a dynamic binary needs at run
// time (PT_INTERP, DT_NEEDED, DT_RUNPATH), and a resolver that finds those
// libraries inside a directory tree treated as "/" (an unpacked .deb set, or the host).
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

export interface ElfDynamicInfo {
  interp: string | null;
  needed: string[];
  runpath: string[];
}

export function readElfDynamic(file: string): ElfDynamicInfo {
  const buf = readFileSync(file);
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file}: not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error(`${file}: only little-endian ELF64 is supported`);
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  const cstr = (off: number): string => {
    if (off < 0 || off >= buf.length) throw new Error(`${file}: string offset out of range`);
    const end = buf.indexOf(0, off);
    return buf.toString('utf8', off, end < 0 ? buf.length : end);
  };
  const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
  let interp: string | null = null;
  let dyn: { offset: number; size: number } | null = null;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > buf.length) throw new Error(`${file}: program header out of range`);
    const type = buf.readUInt32LE(ph);
    const offset = buf.readBigUInt64LE(ph + 8);
    const vaddr = buf.readBigUInt64LE(ph + 16);
    const filesz = buf.readBigUInt64LE(ph + 32);
    if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
    if (type === PT_INTERP) interp = cstr(Number(offset));
    if (type === PT_DYNAMIC) dyn = { offset: Number(offset), size: Number(filesz) };
  }
  if (!dyn) return { interp, needed: [], runpath: [] };
  const entries: [bigint, bigint][] = [];
  for (let off = dyn.offset; off + 16 <= dyn.offset + dyn.size && off + 16 <= buf.length; off += 16) {
    const tag = buf.readBigUInt64LE(off);
    if (tag === 0n) break;
    entries.push([tag, buf.readBigUInt64LE(off + 8)]);
  }
  const strtabVaddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
  if (strtabVaddr === undefined) throw new Error(`${file}: dynamic section without DT_STRTAB`);
  const seg = loads.find((l) => strtabVaddr >= l.vaddr && strtabVaddr < l.vaddr + l.filesz);
  if (!seg) throw new Error(`${file}: DT_STRTAB outside every loaded segment`);
  const strtab = Number(strtabVaddr - seg.vaddr + seg.offset);
  const needed: string[] = [];
  const runpath: string[] = [];
  for (const [tag, val] of entries) {
    if (tag === DT_NEEDED) needed.push(cstr(strtab + Number(val)));
    if (tag === DT_RUNPATH || tag === DT_RPATH)
      runpath.push(
        ...cstr(strtab + Number(val))
          .split(':')
          .filter(Boolean),
      );
  }
  return { interp, needed, runpath };
}

/**
 * Follows symlinks of `guestPath` inside `root` (absolute link targets are
 * taken relative to root). Returns the host path of the final file, or null.
 */
export function resolveInRoot(root: string, guestPath: string, depth = 0): string | null {
  if (depth > 40) return null;
  const parts = posix.normalize(guestPath).split('/').filter(Boolean);
  let cur = '/';
  for (let i = 0; i < parts.length; i++) {
    const next = posix.join(cur, parts[i]);
    const host = posix.join(root, next);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      const target = readlinkSync(host);
      const joined = target.startsWith('/') ? target : posix.join(cur, target);
      const rest = parts.slice(i + 1).join('/');
      return resolveInRoot(root, rest ? posix.join(joined, rest) : joined, depth + 1);
    }
    cur = next;
  }
  return posix.join(root, cur);
}

export interface RuntimeFile {
  /** the path the dynamic loader will open inside the guest */
  guestPath: string;
  /** where its bytes are on the host */
  hostPath: string;
}

const DEFAULT_LIB_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
];

/**
 * The interpreter and every shared library `binaryGuestPath` needs, transitively,
 * looked up inside `root` like ld.so would (RUNPATH, then the default directories).
 */
export function resolveRuntimeFiles(root: string, binaryGuestPath: string): RuntimeFile[] {
  const out = new Map<string, RuntimeFile>();
  const binHost = resolveInRoot(root, binaryGuestPath);
  if (!binHost) throw new Error(`${binaryGuestPath} not found under ${root}`);
  const first = readElfDynamic(binHost);
  if (first.interp) {
    const host = resolveInRoot(root, first.interp);
    if (!host) throw new Error(`interpreter ${first.interp} of ${binaryGuestPath} not found under ${root}`);
    out.set(first.interp, { guestPath: first.interp, hostPath: host });
  }
  const queue: { name: string; runpath: string[]; from: string }[] = first.needed.map((n) => ({
    name: n,
    runpath: first.runpath,
    from: binaryGuestPath,
  }));
  const seenNames = new Set<string>();
  while (queue.length > 0) {
    const { name, runpath, from } = queue.shift()!;
    if (seenNames.has(name)) continue;
    seenNames.add(name);
    let found: RuntimeFile | null = null;
    for (const dir of [...runpath.filter((d) => !d.includes('$')), ...DEFAULT_LIB_DIRS]) {
      const guestPath = posix.join(dir, name);
      const host = resolveInRoot(root, guestPath);
      if (host) {
        found = { guestPath, hostPath: host };
        break;
      }
    }
    if (!found) throw new Error(`shared library ${name} (needed by ${from}) not found under ${root}`);
    if (!out.has(found.guestPath)) out.set(found.guestPath, found);
    const info = readElfDynamic(found.hostPath);
    for (const n of info.needed) queue.push({ name: n, runpath: info.runpath, from: name });
  }
  return [...out.values()];
}
