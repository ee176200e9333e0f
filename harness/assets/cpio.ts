// A writer for the cpio "newc" format (the one Linux unpacks as an initramfs).
// Every entry gets mtime 0 and uid/gid 0 so the same inputs give the same bytes.

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer | string; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

function pad4(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}

function normalizePath(p: string): string {
  const clean = p.replace(/^\/+/, '').replace(/\/+$/, '');
  if (clean === '' || clean.split('/').some((part) => part === '..' || part === '')) {
    throw new Error(`cpio: bad entry path: ${JSON.stringify(p)}`);
  }
  return clean;
}

function header(fields: {
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
  nameSize: number;
}): string {
  return (
    '070701' +
    hex8(fields.ino) +
    hex8(fields.mode) +
    hex8(0) + // uid
    hex8(0) + // gid
    hex8(fields.nlink) +
    hex8(0) + // mtime
    hex8(fields.size) +
    hex8(0) + // devmajor
    hex8(0) + // devminor
    hex8(fields.rdevMajor) +
    hex8(fields.rdevMinor) +
    hex8(fields.nameSize) +
    hex8(0) // check
  );
}

function record(
  ino: number,
  name: string,
  mode: number,
  nlink: number,
  data: Buffer,
  rdev: [number, number] = [0, 0],
): Buffer[] {
  const nameBuf = Buffer.from(name + '\0', 'utf8');
  const head = Buffer.from(
    header({ ino, mode, nlink, size: data.length, rdevMajor: rdev[0], rdevMinor: rdev[1], nameSize: nameBuf.length }),
    'ascii',
  );
  return [head, nameBuf, pad4(head.length + nameBuf.length), data, pad4(data.length)];
}

/**
 * Builds one newc archive. Parent directories that are not listed are added
 * automatically (mode 0755) before their first child, so the kernel can create each entry.
 */
export function buildCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seenDirs = new Set<string>();
  const seen = new Set<string>();
  let ino = 1;
  const ensureParents = (path: string): void => {
    const segs = path.split('/');
    for (let i = 1; i < segs.length; i++) {
      const dir = segs.slice(0, i).join('/');
      if (seenDirs.has(dir)) continue;
      seenDirs.add(dir);
      seen.add(dir);
      parts.push(...record(ino++, dir, S_IFDIR | 0o755, 2, Buffer.alloc(0)));
    }
  };
  for (const e of entries) {
    const path = normalizePath(e.path);
    if (seen.has(path)) {
      if (e.kind === 'dir' && seenDirs.has(path)) continue;
      throw new Error(`cpio: duplicate entry: ${path}`);
    }
    ensureParents(path);
    seen.add(path);
    switch (e.kind) {
      case 'dir':
        seenDirs.add(path);
        parts.push(...record(ino++, path, S_IFDIR | (e.mode ?? 0o755), 2, Buffer.alloc(0)));
        break;
      case 'file': {
        const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data;
        parts.push(...record(ino++, path, S_IFREG | (e.mode ?? 0o644), 1, data));
        break;
      }
      case 'symlink':
        parts.push(...record(ino++, path, S_IFLNK | 0o777, 1, Buffer.from(e.target, 'utf8')));
        break;
      case 'chardev':
        parts.push(...record(ino++, path, S_IFCHR | (e.mode ?? 0o600), 1, Buffer.alloc(0), [e.major, e.minor]));
        break;
    }
  }
  parts.push(...record(0, 'TRAILER!!!', 0, 1, Buffer.alloc(0)));
  const out = Buffer.concat(parts);
  // Pad to 512 bytes like GNU cpio does, so archives can be concatenated safely.
  return Buffer.concat([out, Buffer.alloc((512 - (out.length % 512)) % 512)]);
}
