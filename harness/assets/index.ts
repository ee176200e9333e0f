// Guest assets: Debian's kernel, the bonnie++ initramfs, the pristine ext4
// disk and the rig's L1 base initramfs, built once into a content-addressed cache.
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractVmlinux } from './bzimage.js';
import { buildCpio, type CpioEntry } from './cpio.js';
import { candidateVersions, downloadAndExtract, resolveKernelPackage } from './debian.js';
import { createPristineDisk, DISK_SIZE_BYTES, mkfsArgs, mkfsVersion } from './disk.js';
import { resolveInRoot, resolveRuntimeFiles } from './elf.js';
import { requireTool } from './exec.js';
import { INNER_CMDLINE_BASE } from './guest.js';
import { indexModules, resolveModules } from './modules.js';
import { sourceFile } from './source-file.js';

export {
  bonnieCmdline,
  innerBonnieCmdline,
  INNER_CMDLINE_BASE,
  parseGuestConsole,
  SMP_CHECK_PARAM,
  type GuestConsoleResult,
} from './guest.js';
export { freshDisk, fsckDisk, sparseFile } from './disk.js';

/** Bump when the builder's output changes for the same inputs. */
export const ASSET_FORMAT_VERSION = 1;
/** crc32c_generic is ext4's and jbd2's soft dependency (softdep=pre: crypto-crc32c). */
export const INNER_MODULES = ['crc32c_generic', 'ext4', 'virtio_pci', 'virtio_blk'];
export const L1_MODULES = ['kvm_amd', 'virtio_pci', 'virtio_blk'];
const USER_PACKAGES = ['busybox-static', 'bonnie++', 'libstdc++6', 'libgcc-s1', 'libc6'];

export interface GuestAssets {
  dir: string;
  hash: string;
  /** Debian's bzImage (inner guest via the Linux 64-bit protocol, and the rig's L1 kernel) */
  bzImage: string;
  /** the same kernel decompressed: an ELF with a PVH note */
  vmlinux: string;
  /** gzip'd newc: busybox, bonnie++ + libs, ext4/virtio modules, guest-init.sh as /init */
  initramfs: string;
  /** pristine sparse 1 GiB ext4 image; never attach it directly, use freshDisk() */
  disk: string;
  diskSizeBytes: number;
  /** pieces of the nested rig's outer guest */
  l1: {
    kernel: string;
    /** uncompressed newc: busybox and the kvm-amd/virtio modules (no /init: the rig adds it) */
    baseInitramfs: string;
    modules: string[];
  };
  innerCmdlineBase: string;
  innerModules: string[];
  kernelVersion: string;
  kernelPackage: string;
  bonnieVersion: string;
  busyboxVersion: string;
  mkfsVersion: string;
  debs: Record<string, string>;
  /** sha256 of every file above, keyed by its name in the asset directory */
  sha256: Record<string, string>;
}

export interface EnsureAssetsOptions {
  cacheDir?: string;
  log?: (line: string) => void;
}

/** `${KICKBENCH_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kickbench}/assets` */
export function defaultAssetCacheDir(): string {
  const base =
    process.env.KICKBENCH_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kickbench');
  return join(base, 'assets');
}

const FILES = {
  bzImage: 'bzImage',
  vmlinux: 'vmlinux',
  initramfs: 'initramfs.cpio.gz',
  disk: 'disk.img',
  l1Base: 'l1-base.cpio',
  manifest: 'manifest.json',
};

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

function loadCached(dir: string): GuestAssets | null {
  const manifest = join(dir, FILES.manifest);
  if (!existsSync(manifest)) return null;
  try {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as GuestAssets & { sizes: Record<string, number> };
    for (const [name, size] of Object.entries(m.sizes)) {
      if (statSync(join(dir, name)).size !== size) return null;
    }
    // The manifest stores names; hand out absolute paths for where the cache is now.
    const abs = (p: string): string => join(dir, p);
    return {
      ...m,
      dir,
      bzImage: abs(m.bzImage),
      vmlinux: abs(m.vmlinux),
      initramfs: abs(m.initramfs),
      disk: abs(m.disk),
      l1: { ...m.l1, kernel: abs(m.l1.kernel), baseInitramfs: abs(m.l1.baseInitramfs) },
    };
  } catch {
    return null;
  }
}

/**
 * Without asking apt (no network, no hash): is there a complete asset build in
 * the cache? Reports the newest one. ensureAssets() decides whether it is current.
 */
export function assetsStatus(opts: { cacheDir?: string } = {}): { ready: boolean; dir: string | null } {
  const root = opts.cacheDir ?? defaultAssetCacheDir();
  if (!existsSync(root)) return { ready: false, dir: null };
  const builds = readdirSync(root)
    .filter((d) => !d.startsWith('.'))
    .map((d) => join(root, d))
    .filter((d) => loadCached(d) !== null)
    .sort((a, b) => statSync(join(b, FILES.manifest)).mtimeMs - statSync(join(a, FILES.manifest)).mtimeMs);
  return builds.length ? { ready: true, dir: builds[0] } : { ready: false, dir: null };
}

/** Builds (or finds in the cache) every file a benchmark guest and the nested rig need. */
export async function ensureAssets(opts: EnsureAssetsOptions = {}): Promise<GuestAssets> {
  const log = opts.log ?? (() => {});
  const cacheRoot = opts.cacheDir ?? defaultAssetCacheDir();
  for (const [tool, pkg] of [
    ['apt-get', 'apt'],
    ['apt-cache', 'apt'],
    ['dpkg-deb', 'dpkg'],
    ['mkfs.ext4', 'e2fsprogs'],
    ['xz', 'xz-utils'],
  ]) {
    requireTool(tool, pkg);
  }
  const initScript = readFileSync(sourceFile(import.meta.url, 'assets', 'guest-init.sh'), 'utf8');
  const kernelPackage = await resolveKernelPackage();
  const packages = [kernelPackage, ...USER_PACKAGES];
  const versions = await candidateVersions(packages);
  const mkfs = await mkfsVersion();
  const hash = createHash('sha256')
    .update(
      JSON.stringify({
        format: ASSET_FORMAT_VERSION,
        versions,
        initScript,
        innerCmdline: INNER_CMDLINE_BASE,
        innerModules: INNER_MODULES,
        l1Modules: L1_MODULES,
        mkfs,
        mkfsArgs: mkfsArgs('DISK'),
        diskSize: DISK_SIZE_BYTES,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheRoot, hash);
  const cached = loadCached(dir);
  if (cached) {
    log(`guest assets: cached in ${dir}`);
    return cached;
  }
  if (process.env.KICKBENCH_OFFLINE) {
    throw new Error(
      `guest assets for this checkout are not in ${cacheRoot} and KICKBENCH_OFFLINE is set (no downloads here): ` +
        'build them on a machine with network first (kickbench setup), or point KICKBENCH_CACHE at a cache that has them',
    );
  }
  mkdirSync(cacheRoot, { recursive: true });
  const tmp = join(cacheRoot, `.build-${hash}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const out = join(tmp, 'out');
    mkdirSync(out);
    const work = join(tmp, 'work');
    mkdirSync(work);
    const built = await buildInto(out, work, { packages, kernelPackage, initScript, mkfs, log });
    rmSync(work, { recursive: true, force: true });
    const sizes: Record<string, number> = {};
    const sha256: Record<string, string> = {};
    for (const name of [FILES.bzImage, FILES.vmlinux, FILES.initramfs, FILES.disk, FILES.l1Base]) {
      sizes[name] = statSync(join(out, name)).size;
      sha256[name] = await sha256File(join(out, name));
    }
    const manifest = {
      ...built,
      hash,
      bzImage: FILES.bzImage,
      vmlinux: FILES.vmlinux,
      initramfs: FILES.initramfs,
      disk: FILES.disk,
      diskSizeBytes: DISK_SIZE_BYTES,
      l1: { kernel: FILES.bzImage, baseInitramfs: FILES.l1Base, modules: built.l1Modules },
      innerCmdlineBase: INNER_CMDLINE_BASE,
      mkfsVersion: mkfs,
      sha256,
      sizes,
    };
    writeFileSync(join(out, FILES.manifest), JSON.stringify(manifest, null, 2) + '\n');
    try {
      renameSync(out, dir);
    } catch (e) {
      // Another process finished the same build first: theirs is as good as ours.
      if (!loadCached(dir)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const result = loadCached(dir);
  if (!result) throw new Error(`guest assets in ${dir} are unreadable right after building them`);
  log(`guest assets: built in ${dir}`);
  return result;
}

interface BuildInputs {
  packages: string[];
  kernelPackage: string;
  initScript: string;
  mkfs: string;
  log: (l: string) => void;
}

async function buildInto(out: string, work: string, inp: BuildInputs) {
  const { root, debs } = await downloadAndExtract(inp.packages, work, inp.log);
  const debVersions = Object.fromEntries(debs.map((d) => [d.package, d.version]));
  const tree = indexModules(root);
  const kv = tree.kernelVersion;

  inp.log(`kernel ${kv}: bzImage and vmlinux`);
  const bzPath = resolveInRoot(root, `/boot/vmlinuz-${kv}`);
  if (!bzPath) throw new Error(`${inp.kernelPackage} has no /boot/vmlinuz-${kv}`);
  const bz = readFileSync(bzPath);
  writeFileSync(join(out, FILES.bzImage), bz);
  writeFileSync(join(out, FILES.vmlinux), await extractVmlinux(bz));

  const busybox = resolveInRoot(root, '/bin/busybox');
  if (!busybox) throw new Error('busybox-static has no /bin/busybox');
  const bonniePath = ['/usr/sbin/bonnie++', '/usr/bin/bonnie++'].find((p) => resolveInRoot(root, p));
  if (!bonniePath) throw new Error('bonnie++ package has no bonnie++ binary');

  inp.log('inner initramfs: busybox, bonnie++ and its libraries, ext4/virtio modules');
  const innerMods = resolveModules(tree, INNER_MODULES);
  const entries: CpioEntry[] = [...baseDirs(), { kind: 'file', path: 'init', data: inp.initScript, mode: 0o755 }];
  entries.push({ kind: 'file', path: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 });
  entries.push({ kind: 'file', path: bonniePath, data: readFileSync(resolveInRoot(root, bonniePath)!), mode: 0o755 });
  for (const f of resolveRuntimeFiles(root, bonniePath)) {
    entries.push({ kind: 'file', path: f.guestPath, data: readFileSync(f.hostPath), mode: 0o755 });
  }
  entries.push({ kind: 'file', path: 'etc/passwd', data: 'root:x:0:0:root:/:/bin/sh\n' });
  entries.push({ kind: 'file', path: 'etc/group', data: 'root:x:0:\n' });
  entries.push(...moduleEntries('lib/kickbench', innerMods));
  writeFileSync(join(out, FILES.initramfs), gzipSync(buildCpio(entries), { level: 9 }));

  inp.log('rig L1 base initramfs: busybox, kvm-amd and virtio modules');
  const l1Mods = resolveModules(tree, L1_MODULES);
  const l1: CpioEntry[] = [
    ...baseDirs(),
    { kind: 'file', path: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 },
  ];
  l1.push(...moduleEntries('lib/kickbench-l1', l1Mods));
  writeFileSync(join(out, FILES.l1Base), buildCpio(l1));

  inp.log('pristine 1 GiB ext4 disk');
  await createPristineDisk(join(out, FILES.disk));

  return {
    kernelVersion: kv,
    kernelPackage: inp.kernelPackage,
    bonnieVersion: debVersions['bonnie++'],
    busyboxVersion: debVersions['busybox-static'],
    debs: debVersions,
    innerModules: innerMods.map((m) => m.name),
    l1Modules: l1Mods.map((m) => m.name),
  };
}

function baseDirs(): CpioEntry[] {
  return [
    ...['bin', 'dev', 'proc', 'sys', 'mnt', 'tmp', 'etc', 'root'].map((d): CpioEntry => ({ kind: 'dir', path: d })),
    // The kernel opens /dev/console for init before devtmpfs is mounted.
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
  ];
}

function moduleEntries(dir: string, mods: { name: string; path: string }[]): CpioEntry[] {
  return [
    ...mods.map((m): CpioEntry => ({ kind: 'file', path: `${dir}/modules/${m.name}.ko`, data: readFileSync(m.path) })),
    { kind: 'file', path: `${dir}/modules.order`, data: mods.map((m) => m.name).join('\n') + '\n' },
  ];
}
