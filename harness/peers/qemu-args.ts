// QEMU as a peer VMM: the argument list that runs the same guest on the same
// disk as kickvmm, with every setting that would make the two differ held
// equal, and recorded (see QEMU_HELD_EQUAL). The arms map to QEMU's own switch:
//   exit      -> ioeventfd=off (QEMU hands the request to its thread pool,
//                like kvmtool's 2011 "before")
//   ioeventfd -> ioeventfd=on, serviced by the main loop or, with
//                `iothread: true`, by a dedicated iothread (kickvmm has one
//                I/O thread, so that is the closer match)
//   inline    -> no QEMU equivalent (QEMU never services on the vCPU thread)
import { existsSync } from 'node:fs';

export type QemuArm = 'exit' | 'ioeventfd';

export interface QemuJob {
  kernel: string;
  initrd?: string;
  cmdline: string;
  disk: string;
  arm: QemuArm;
  memMiB: number;
  cpus: number;
  readonly?: boolean;
  /** ioeventfd arm only: service the queue in a dedicated iothread (poll-max-ns=0) */
  iothread?: boolean;
  /** QMP control socket (unix path): kickbench reads QEMU's KVM counters through it */
  qmpSocket?: string;
  /** instead of a socket, a pipe pair <path>.in/<path>.out (the rig's L1 has no socket tools) */
  qmpPipe?: string;
  /** where the guest's serial console goes */
  consoleFile: string;
  /** firmware: qboot starts in a fraction of SeaBIOS's time on slow hosts */
  bios?: string;
  /** the folder QEMU loads firmware and option ROMs from (-L), when not its built-in one */
  firmwareDir?: string;
  /** accelerator; kvm for every measured run (TCG's ioeventfd is emulated in userspace) */
  accel?: 'kvm' | 'tcg';
}

/** The device and machine settings that make QEMU comparable to kickvmm, and why. */
export const QEMU_HELD_EQUAL: Record<string, string> = {
  'machine pc, -nodefaults': 'a legacy PC with no extra devices, like kickvmm',
  'disable-modern=on': 'legacy virtio-pci, notify by port I/O, as kickvmm',
  'vectors=0': 'INTx interrupts (kickvmm injects with KVM_IRQ_LINE); QEMU defaults to MSI-X with irqfd',
  'event_idx=off': 'kickvmm does not offer EVENT_IDX; it changes kick and interrupt counts',
  'num-queues=1': 'one request queue, as kickvmm',
  'queue-size=256': "kickvmm's queue size",
  'indirect_desc=on': 'kickvmm offers INDIRECT_DESC',
  'packed=off': 'split rings only, as kickvmm',
  'discard=off, write-zeroes=off': 'features kickvmm does not offer',
  'request-merging=off': 'QEMU merges adjacent requests; kickvmm does not',
  'cache=writeback': 'buffered host I/O with fdatasync on flush, as kickvmm (cache=none would be O_DIRECT)',
  'aio=threads': "QEMU's thread-pool backend, the asynchronous hand-off of kvmtool's 2011 design",
  'iothread poll-max-ns=0': "a dedicated iothread that sleeps in epoll like kickvmm's I/O thread, without busy-polling",
};

/** Behaviours of QEMU no option changes; every report that shows QEMU states them. */
export const QEMU_NOT_SETTABLE = [
  "QEMU's ioeventfd=off hands each request to its thread pool (asynchronous), like kvmtool's 2011 'before'",
  'QEMU suppresses guest kicks (VRING_USED_F_NO_NOTIFY) while it drains a queue',
  "the guest sees QEMU's default CPU model (CPUID differs from kickvmm's)",
  "the 'inline' arm has no QEMU equivalent: QEMU never services a queue on the vCPU thread",
];

export const QBOOT_PATHS = ['/usr/share/qemu/qboot.rom', '/usr/share/seabios/qboot.rom'];

export function findQboot(): string | undefined {
  return QBOOT_PATHS.find((p) => existsSync(p));
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`QEMU job: ${name} must be a positive integer, not ${v}`);
}

// QEMU splits -drive/-device options at commas; a path with one would be misparsed.
function optionValue(name: string, v: string): string {
  if (v.includes(',')) throw new Error(`QEMU job: ${name} path must not contain a comma: ${v}`);
  return v;
}

export function qemuArgs(job: QemuJob): string[] {
  positiveInt('memMiB', job.memMiB);
  positiveInt('cpus', job.cpus);
  if (job.arm !== 'exit' && job.arm !== 'ioeventfd') {
    throw new Error(`QEMU has no '${String(job.arm)}' arm (only exit = ioeventfd=off and ioeventfd = ioeventfd=on)`);
  }
  if (job.iothread && job.arm !== 'ioeventfd') {
    throw new Error('QEMU refuses an iothread with ioeventfd=off: iothread is an option of the ioeventfd arm');
  }
  if (Boolean(job.qmpSocket) === Boolean(job.qmpPipe)) throw new Error('QEMU job: give a QMP socket or a QMP pipe');
  const qmp = job.qmpSocket
    ? ['-qmp', `unix:${optionValue('QMP socket', job.qmpSocket)},server=on,wait=off`]
    : ['-chardev', `pipe,id=qmp,path=${optionValue('QMP pipe', job.qmpPipe!)}`, '-mon', 'chardev=qmp,mode=control'];
  const args = [
    '-accel',
    job.accel ?? 'kvm',
    '-M',
    'pc',
    '-nodefaults',
    '-no-user-config',
    // named threads ("CPU 0/KVM"), so the vCPU threads' CPU time can be read apart
    '-name',
    'kickbench,debug-threads=on',
    '-m',
    String(job.memMiB),
    '-smp',
    String(job.cpus),
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    `file:${job.consoleFile}`,
    // The probe and the Linux guest end with an i8042 reset: pause there, so
    // kickbench can read the counters over QMP before it tells QEMU to quit.
    '-action',
    'reboot=shutdown,shutdown=pause',
    ...qmp,
    '-kernel',
    job.kernel,
    '-append',
    job.cmdline,
  ];
  if (job.firmwareDir) args.push('-L', job.firmwareDir);
  if (job.bios) args.push('-bios', job.bios);
  if (job.initrd) args.push('-initrd', job.initrd);
  const drive = [
    `file=${optionValue('disk', job.disk)}`,
    'if=none',
    'id=d0',
    'format=raw',
    'cache=writeback',
    'aio=threads',
  ];
  if (job.readonly) drive.push('readonly=on');
  args.push('-drive', drive.join(','));
  if (job.iothread) args.push('-object', 'iothread,id=io0,poll-max-ns=0');
  const device = [
    'virtio-blk-pci',
    'drive=d0',
    'disable-modern=on',
    `ioeventfd=${job.arm === 'ioeventfd' ? 'on' : 'off'}`,
    'vectors=0',
    'event_idx=off',
    'num-queues=1',
    'queue-size=256',
    'indirect_desc=on',
    'packed=off',
    'discard=off',
    'write-zeroes=off',
    'request-merging=off',
  ];
  if (job.iothread) device.push('iothread=io0');
  args.push('-device', device.join(','));
  return args;
}
