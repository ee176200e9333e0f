// The content-addressed cache of guest assets: one folder per recipe hash under
// defaultAssetCacheDir(), each with a manifest; a build runs in a scratch folder
// and is renamed into place, so a half-built folder is never handed out.
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
import { DISK_SIZE_BYTES } from './disk.js';
import { INNER_CMDLINE_BASE } from './guest.js';
import { ASSET_FILES, buildAssets, currentRecipe } from './recipe.js';

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

const MANIFEST = 'manifest.json';

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
  const manifest = join(dir, MANIFEST);
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
export function assetsStatus(opts: { cacheDir?: string } = {}): {
  ready: boolean;
  dir: string | null;
  cacheDir: string;
} {
  const root = opts.cacheDir ?? defaultAssetCacheDir();
  if (!existsSync(root)) return { ready: false, dir: null, cacheDir: root };
  const builds = readdirSync(root)
    .filter((d) => !d.startsWith('.'))
    .map((d) => join(root, d))
    .filter((d) => loadCached(d) !== null)
    .sort((a, b) => statSync(join(b, MANIFEST)).mtimeMs - statSync(join(a, MANIFEST)).mtimeMs);
  return { ready: builds.length > 0, dir: builds[0] ?? null, cacheDir: root };
}

/** Builds (or finds in the cache) every file a benchmark guest and the nested rig need. */
export async function ensureAssets(opts: EnsureAssetsOptions = {}): Promise<GuestAssets> {
  const log = opts.log ?? (() => {});
  const cacheRoot = opts.cacheDir ?? defaultAssetCacheDir();
  const recipe = await currentRecipe();
  const hash = createHash('sha256').update(JSON.stringify(recipe.identity)).digest('hex').slice(0, 16);
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
    const built = await buildAssets(out, work, recipe, log);
    rmSync(work, { recursive: true, force: true });
    const sizes: Record<string, number> = {};
    const sha256: Record<string, string> = {};
    for (const name of [
      ASSET_FILES.bzImage,
      ASSET_FILES.vmlinux,
      ASSET_FILES.initramfs,
      ASSET_FILES.disk,
      ASSET_FILES.l1Base,
    ]) {
      sizes[name] = statSync(join(out, name)).size;
      sha256[name] = await sha256File(join(out, name));
    }
    const manifest = {
      ...built,
      hash,
      bzImage: ASSET_FILES.bzImage,
      vmlinux: ASSET_FILES.vmlinux,
      initramfs: ASSET_FILES.initramfs,
      disk: ASSET_FILES.disk,
      diskSizeBytes: DISK_SIZE_BYTES,
      l1: { kernel: ASSET_FILES.bzImage, baseInitramfs: ASSET_FILES.l1Base, modules: built.l1Modules },
      innerCmdlineBase: INNER_CMDLINE_BASE,
      mkfsVersion: recipe.mkfs,
      sha256,
      sizes,
    };
    writeFileSync(join(out, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
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
