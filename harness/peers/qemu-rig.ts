// QEMU as a peer inside the nested rig: what L1's archive needs for it (the
// binary, its shared libraries, its firmware and the driver script
// qemu-in-l1.sh), the shell command that runs one QEMU job in L1, and the
// sample's record read back from the driver's stats lines. QEMU runs on L1's
// own KVM (nested, on the emulated SVM), in the same L1 boot as kickvmm's
// jobs, so both see the same noise.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { CpioEntry } from '../assets/cpio.js';
import { resolveRuntimeFiles } from '../assets/elf.js';
import { shellQuote } from '../assets/guest.js';
import { harnessFile } from '../paths.js';
import type { VmJob } from '../launch/job.js';
import { qemuArgs } from './qemu-args.js';
import type { PeerStats } from './peer-stats.js';
import { sumVcpuStats } from './qmp.js';

export const L1_QEMU_DIR = '/kick/qemu';
export const L1_QEMU = `${L1_QEMU_DIR}/qemu-system-x86_64`;
export const L1_QEMU_FIRMWARE = `${L1_QEMU_DIR}/firmware`;
const L1_QEMU_DRIVER = `${L1_QEMU_DIR}/qemu-in-l1.sh`;

/**
 * What QEMU's pc machine opens for a -kernel boot: qboot (SeaBIOS when there
 * is none), the option ROMs that load a bzImage or a PVH ELF, and the vAPIC ROM.
 */
const FIRMWARE = ['qboot.rom', 'bios-256k.bin', 'linuxboot_dma.bin', 'pvh.bin', 'kvmvapic.bin'];
const FIRMWARE_DIRS = ['/usr/share/qemu', '/usr/share/seabios'];

function findFirmware(name: string): string | null {
  for (const dir of FIRMWARE_DIRS) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** QEMU, its libraries (except those already in the archive), its firmware and the driver. */
export function qemuRigEntries(qemuBinary: string, alreadyIn: ReadonlySet<string>): CpioEntry[] {
  const binary = realpathSync(qemuBinary);
  const entries: CpioEntry[] = [
    { kind: 'file', path: L1_QEMU, data: readFileSync(binary), mode: 0o755 },
    {
      kind: 'file',
      path: L1_QEMU_DRIVER,
      data: readFileSync(harnessFile('peers', 'qemu-in-l1.sh')),
      mode: 0o755,
    },
  ];
  for (const f of resolveRuntimeFiles('/', binary)) {
    if (!alreadyIn.has(f.guestPath))
      entries.push({ kind: 'file', path: f.guestPath, data: readFileSync(f.hostPath), mode: 0o755 });
  }
  const missing: string[] = [];
  for (const name of FIRMWARE) {
    const found = findFirmware(name);
    if (found) entries.push({ kind: 'file', path: `${L1_QEMU_FIRMWARE}/${name}`, data: readFileSync(found) });
    else if (name !== 'qboot.rom' && name !== 'bios-256k.bin') missing.push(name);
  }
  if (!findFirmware('qboot.rom') && !findFirmware('bios-256k.bin')) missing.push('qboot.rom or bios-256k.bin');
  if (missing.length)
    throw new Error(
      `QEMU's firmware ${missing.join(', ')} not found in ${FIRMWARE_DIRS.join(' or ')}: install Debian's qemu-system-data and seabios`,
    );
  return entries;
}

/** The shell command that runs `job` under QEMU in L1 (rig-init.sh runs it with the job's disk at `where.disk`). */
export function qemuRigJobScript(
  job: VmJob,
  where: { kernel: string; initrd?: string; disk: string; statsPath: string; qmpPipe: string },
): string {
  if (job.mode === 'inline') throw new Error(`job ${job.id}: QEMU has no inline arm`);
  const args = qemuArgs({
    kernel: where.kernel,
    initrd: where.initrd,
    cmdline: job.cmdline,
    disk: where.disk,
    arm: job.mode,
    iothread: job.iothread,
    memMiB: job.memMiB,
    cpus: job.cpus,
    readonly: job.readonly,
    qmpPipe: where.qmpPipe,
    // the driver's stdout is L1's serial console, which rig-init.sh streams back as the
    // job's console (L1's devtmpfs has no /dev/stdout link: QEMU would create a file there)
    consoleFile: '/proc/self/fd/1',
    firmwareDir: L1_QEMU_FIRMWARE,
    bios: findFirmware('qboot.rom') ? `${L1_QEMU_FIRMWARE}/qboot.rom` : undefined,
  });
  const words = [L1_QEMU_DRIVER, where.statsPath, String(job.timeoutSec), where.qmpPipe, L1_QEMU, ...args];
  return `exec /bin/busybox sh ${words.map(shellQuote).join(' ')}\n`;
}

const TICKS = 100; // USER_HZ in L1's kernel

/**
 * The driver's stats lines (see qemu-in-l1.sh) as the sample's record, in the
 * same shape as a local QEMU sample; null when the driver wrote nothing.
 */
export function qemuRigStats(text: string | null, job: Pick<VmJob, 'mode' | 'iothread'>): PeerStats | null {
  if (!text) return null;
  let version: string | null = null;
  let kvm: Record<string, number> | undefined;
  let tscKhz = 0;
  let vcpu = 0;
  let other = 0;
  let threads = 0;
  const args: string[] = [];
  const missing: string[] = [];
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    if (key === 'version') version = rest.trim() || null;
    else if (key === 'arg') args.push(rest);
    else if (key === 'missing') missing.push(rest);
    else if (key === 'tsc-mhz' && Number(rest) > 0) tscKhz = Math.round(Number(rest) * 1000);
    else if (key === 'query-stats') {
      try {
        kvm = sumVcpuStats((JSON.parse(rest) as { return?: unknown }).return);
      } catch {
        missing.push('kvm counters: query-stats answered with a line that is not JSON');
      }
    } else if (key === 'thread') {
      const m = /^(\d+) (\d+) (.*)$/.exec(rest);
      if (!m) continue;
      const ticks = Number(m[1]) + Number(m[2]);
      threads++;
      if (/^CPU \d+\/KVM$/.test(m[3])) vcpu += ticks;
      else other += ticks;
    }
  }
  if (kvm === undefined && !missing.some((m) => m.startsWith('kvm counters')))
    missing.push('kvm counters: QEMU never reached its guest end');
  return {
    vmm: 'qemu',
    tscKhz,
    wallSeconds: 0,
    mode: job.mode === 'exit' ? 'exit' : 'ioeventfd',
    iothread: Boolean(job.iothread),
    ...(kvm ? { kvm } : {}),
    ...(threads ? { vcpuCpuSeconds: vcpu / TICKS, otherThreadsCpuSeconds: other / TICKS } : {}),
    qemu: { version, args },
    // the driver reads the threads only once the guest has reached its end
    ...(kvm || threads ? { exitReason: 'clean' } : {}),
    ...(missing.length ? { missing } : {}),
  };
}
