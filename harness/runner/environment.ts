// What the host looked like when samples ran: recorded in every results file
// so a number is never separated from where it came from (hardware KVM, an
// instruction-emulating KVM, or the nested rig) and the knobs that move it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import type { HostEnvironment, Place } from '../results/schema.js';
import { repoRoot } from '../paths.js';
import type { GuestAssets } from '../assets/cache.js';
import type { GuestSizing } from '../scenarios/sizing.js';

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The bracketed choice in a sysfs list like "always [madvise] never". */
function sysfsChoice(path: string): string | null {
  const v = readTrimmed(path);
  if (v === null) return null;
  const m = v.match(/\[([^\]]+)\]/);
  return m ? m[1] : v;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function gitCommit(): string | null {
  return git(['rev-parse', 'HEAD']);
}

/** True when this host is itself a virtual machine (the CPU reports a hypervisor). */
export function hostIsVirtualMachine(): boolean {
  return /^flags\s*:.*\bhypervisor\b/m.test(readTrimmed('/proc/cpuinfo') ?? '');
}

export function cpuModel(): string {
  const info = readTrimmed('/proc/cpuinfo');
  const m = info?.match(/^model name\s*:\s*(.+)$/m);
  return m ? m[1].trim() : (cpus()[0]?.model ?? 'unknown');
}

export interface HostFacts {
  kvmKind: 'hardware' | 'emulating' | 'none';
  where: Place;
  qemuVersion?: string | null;
}

/**
 * The host's name for reports: its hostname, or (a machine without one, such as
 * a bare initramfs, reports "(none)") "unnamed host" and its machine id.
 */
export function hostName(): string {
  const name = hostname().trim();
  if (name && name !== '(none)' && name !== 'localhost') return name;
  const id = readTrimmed('/etc/machine-id') ?? readTrimmed('/proc/sys/kernel/random/boot_id');
  return id ? `unnamed-host-${id.replace(/-/g, '').slice(0, 8)}` : 'unnamed-host';
}

export function describeHost(
  facts: HostFacts,
  guest: Record<string, string | null> = {},
  guestSizing: Record<string, GuestSizing> = {},
): HostEnvironment {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    hostname: hostName(),
    hostKernel: release(),
    cpuModel: cpuModel(),
    cpus: cpus().length,
    memoryMiB: Math.round(totalmem() / (1024 * 1024)),
    kvmKind: facts.kvmKind,
    where: facts.where,
    governor: readTrimmed('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor'),
    thp: sysfsChoice('/sys/kernel/mm/transparent_hugepage/enabled'),
    nodeVersion: process.version,
    hostIsVirtualMachine: hostIsVirtualMachine(),
    gitCommit: gitCommit(),
    gitDirty: status === null ? null : status.length > 0,
    qemuVersion: facts.qemuVersion ?? null,
    guest,
    ...(Object.keys(guestSizing).length ? { guestSizing } : {}),
  };
}

/** Plain words for a result's origin, used in every report and progress line. */
export function whereLabel(where: Place): string {
  switch (where) {
    case 'hardware':
      return hostIsVirtualMachine()
        ? 'hardware-assisted KVM inside a virtual machine (nested: not bare-metal numbers)'
        : 'hardware KVM';
    case 'emulating':
      return 'instruction-emulating KVM (timings are not hardware numbers)';
    case 'nested':
      return 'nested rig: KVM inside QEMU TCG (timings are not hardware numbers)';
  }
}

/** The guest side of the environment: kernel, bonnie++ and the hashes of what booted. */
export function describeAssets(a: GuestAssets): Record<string, string | null> {
  const hash = (file: string) => {
    const name = file.split('/').pop() ?? file;
    return a.sha256[name] ?? null;
  };
  return {
    kernelVersion: a.kernelVersion,
    kernelPackage: a.kernelPackage,
    bonnieVersion: a.bonnieVersion,
    busyboxVersion: a.busyboxVersion,
    mkfsVersion: a.mkfsVersion,
    assetHash: a.hash,
    vmlinuxSha256: hash(a.vmlinux),
    bzImageSha256: hash(a.bzImage),
    initramfsSha256: hash(a.initramfs),
    diskSha256: hash(a.disk),
  };
}
