// The recipe for the guest assets: which Debian packages, which kernel modules,
// and how they become a kernel, the bonnie++ initramfs, the rig's L1 base
// initramfs and a pristine ext4 disk. cache.ts decides when to run it.
import { readFileSync, writeFileSync } from 'node:fs';
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
import { harnessFile } from '../paths.js';

/** Bump when the builder's output changes for the same inputs. */
export const ASSET_FORMAT_VERSION = 1;
/** crc32c_generic is ext4's and jbd2's soft dependency (softdep=pre: crypto-crc32c). */
export const INNER_MODULES = ['crc32c_generic', 'ext4', 'virtio_pci', 'virtio_blk'];
export const L1_MODULES = ['kvm_amd', 'virtio_pci', 'virtio_blk'];
const USER_PACKAGES = ['busybox-static', 'bonnie++', 'libstdc++6', 'libgcc-s1', 'libc6'];

/** The files a build writes, by their names in the asset directory. */
export const ASSET_FILES = {
  bzImage: 'bzImage',
  vmlinux: 'vmlinux',
  initramfs: 'initramfs.cpio.gz',
  disk: 'disk.img',
  l1Base: 'l1-base.cpio',
};

export interface AssetRecipe {
  packages: string[];
  kernelPackage: string;
  initScript: string;
  mkfs: string;
  /** everything the output depends on: the cache key is its hash */
  identity: unknown;
}

/** The recipe as this host's apt and tools would make it today (asks apt for versions, no downloads). */
export async function currentRecipe(): Promise<AssetRecipe> {
  for (const [tool, pkg] of [
    ['apt-get', 'apt'],
    ['apt-cache', 'apt'],
    ['dpkg-deb', 'dpkg'],
    ['mkfs.ext4', 'e2fsprogs'],
    ['xz', 'xz-utils'],
  ]) {
    requireTool(tool, pkg);
  }
  const initScript = readFileSync(harnessFile('assets', 'guest-init.sh'), 'utf8');
  const kernelPackage = await resolveKernelPackage();
  const packages = [kernelPackage, ...USER_PACKAGES];
  const versions = await candidateVersions(packages);
  const mkfs = await mkfsVersion();
  const identity = {
    format: ASSET_FORMAT_VERSION,
    versions,
    initScript,
    innerCmdline: INNER_CMDLINE_BASE,
    innerModules: INNER_MODULES,
    l1Modules: L1_MODULES,
    mkfs,
    mkfsArgs: mkfsArgs('DISK'),
    diskSize: DISK_SIZE_BYTES,
  };
  return { packages, kernelPackage, initScript, mkfs, identity };
}

/** Downloads the packages into `work` and writes every ASSET_FILES entry into `out`. */
export async function buildAssets(out: string, work: string, inp: AssetRecipe, log: (line: string) => void) {
  const { root, debs } = await downloadAndExtract(inp.packages, work, log);
  const debVersions = Object.fromEntries(debs.map((d) => [d.package, d.version]));
  const tree = indexModules(root);
  const kv = tree.kernelVersion;

  log(`kernel ${kv}: bzImage and vmlinux`);
  const bzPath = resolveInRoot(root, `/boot/vmlinuz-${kv}`);
  if (!bzPath) throw new Error(`${inp.kernelPackage} has no /boot/vmlinuz-${kv}`);
  const bz = readFileSync(bzPath);
  writeFileSync(join(out, ASSET_FILES.bzImage), bz);
  writeFileSync(join(out, ASSET_FILES.vmlinux), await extractVmlinux(bz));

  const busybox = resolveInRoot(root, '/bin/busybox');
  if (!busybox) throw new Error('busybox-static has no /bin/busybox');
  const bonniePath = ['/usr/sbin/bonnie++', '/usr/bin/bonnie++'].find((p) => resolveInRoot(root, p));
  if (!bonniePath) throw new Error('bonnie++ package has no bonnie++ binary');

  log('inner initramfs: busybox, bonnie++ and its libraries, ext4/virtio modules');
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
  writeFileSync(join(out, ASSET_FILES.initramfs), gzipSync(buildCpio(entries), { level: 9 }));

  log('rig L1 base initramfs: busybox, kvm-amd and virtio modules');
  const l1Mods = resolveModules(tree, L1_MODULES);
  const l1: CpioEntry[] = [
    ...baseDirs(),
    { kind: 'file', path: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 },
  ];
  l1.push(...moduleEntries('lib/kickbench-l1', l1Mods));
  writeFileSync(join(out, ASSET_FILES.l1Base), buildCpio(l1));

  log('pristine 1 GiB ext4 disk');
  await createPristineDisk(join(out, ASSET_FILES.disk));

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
