// The inner guest's contract: how bonnie++ arguments travel on the kernel
// command line, the recommended command line, and how its console is read back.
// The other side of this contract is guest-init.sh (beside this file).

/**
 * Kernel command line for the inner Linux guest under kickvmm. reboot=k makes
 * `reboot -f` write 0xFE to port 0x64 (the reboot code does that itself, no
 * driver needed), which kickvmm treats as "finished". The i8042 driver is kept
 * from initialising: against kickvmm's minimal controller it spent ~6 s of boot
 * in "Can't read CTR" timeouts (measured in the nested rig).
 */
export const INNER_CMDLINE_BASE =
  'console=ttyS0 reboot=k panic=-1 pci=conf1 i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd initcall_blacklist=i8042_init quiet';

export const BONNIE_BEGIN = '@@KICKBENCH BONNIE-BEGIN@@';
export const BONNIE_END = '@@KICKBENCH BONNIE-END@@';

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The kernel command line parameter that carries bonnie++'s arguments:
 * `kb.bonnie=` + base64 of the shell-quoted words. base64 has no spaces or
 * quotes, and the dotted name keeps the kernel from handing it to init as an
 * environment variable.
 */
export function bonnieCmdline(args: string[]): string {
  for (const a of args) {
    if (a.includes('\0')) throw new Error('bonnie++ argument contains a NUL byte');
  }
  const param = `kb.bonnie=${Buffer.from(args.map(shellQuote).join(' '), 'utf8').toString('base64')}`;
  // x86 COMMAND_LINE_SIZE is 2048 and the base command line needs room too.
  if (param.length > 1024)
    throw new Error(`bonnie++ arguments too long for the kernel command line (${param.length} bytes)`);
  return param;
}

/** The full inner command line for a bonnie++ run. */
export function innerBonnieCmdline(args: string[], base = INNER_CMDLINE_BASE): string {
  return `${base} ${bonnieCmdline(args)}`;
}

export interface GuestConsoleResult {
  /** bonnie++'s stdout between the markers; null unless both markers were seen */
  bonnieStdout: string | null;
  /** bonnie++'s exit status; null if the EXIT marker never came */
  bonnieExit: number | null;
  panicked: boolean;
  /** the "Kernel panic - not syncing: ..." line, when there is one */
  panicMessage: string | null;
  /** BEGIN, END and EXIT were all seen, in that order */
  markersFound: boolean;
  /** lines the init reported as "@@KICKBENCH ERROR ...@@" */
  errors: string[];
  /** the guest's MemTotal (the RAM bonnie++ and the page cache see), KiB; null if not reported */
  memTotalKiB: number | null;
  /** the kb.check=1 data check across vCPUs: "ok cpus=2 files=2" or "mismatch ..."; null if it did not run */
  smpCheck: string | null;
}

/** The kernel parameter that makes the guest check data written and read back from every vCPU after bonnie++. */
export const SMP_CHECK_PARAM = 'kb.check=1';

function normalizeNewlines(text: string): string {
  return text.replace(/\r+\n/g, '\n');
}

export function parseGuestConsole(text: string): GuestConsoleResult {
  const t = normalizeNewlines(text);
  const panicMatch = /Kernel panic - not syncing:?[^\n]*/.exec(t);
  const errors = [...t.matchAll(/@@KICKBENCH ERROR ([^\n]*?)@@/g)].map((m) => m[1]);
  const result: GuestConsoleResult = {
    bonnieStdout: null,
    bonnieExit: null,
    panicked: panicMatch !== null,
    panicMessage: panicMatch ? panicMatch[0].trim() : null,
    markersFound: false,
    errors,
    memTotalKiB: null,
    smpCheck: null,
  };
  const mem = /^@@KICKBENCH MEMTOTAL-KB (\d+)@@$/m.exec(t);
  if (mem) result.memTotalKiB = Number(mem[1]);
  const check = /^@@KICKBENCH SMP-CHECK ([^\n]*?)@@$/m.exec(t);
  if (check) result.smpCheck = check[1];
  // A marker counts only as a whole line, so bonnie++ output can never end it early.
  const lineAt = (marker: string, from: number): number => {
    let at = t.indexOf(marker, from);
    while (at >= 0) {
      const startOk = at === 0 || t[at - 1] === '\n';
      const end = at + marker.length;
      const endOk = end === t.length || t[end] === '\n';
      if (startOk && endOk) return at;
      at = t.indexOf(marker, at + 1);
    }
    return -1;
  };
  const begin = lineAt(BONNIE_BEGIN, 0);
  const exitRe = /^@@KICKBENCH BONNIE-EXIT (-?\d+)@@$/m;
  if (begin >= 0) {
    const bodyStart = begin + BONNIE_BEGIN.length + 1;
    const end = lineAt(BONNIE_END, bodyStart - 1);
    if (end >= 0) {
      result.bonnieStdout = end >= bodyStart ? t.slice(bodyStart, end) : '';
      const exit = exitRe.exec(t.slice(end));
      if (exit) {
        result.bonnieExit = Number(exit[1]);
        result.markersFound = true;
      }
    }
  } else {
    const exit = exitRe.exec(t);
    if (exit) result.bonnieExit = Number(exit[1]);
  }
  return result;
}
