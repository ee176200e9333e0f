// What the rig's outer guest (rig-init.sh) prints on its serial console, and
// how the host splits that transcript back into per-job results. Every marker
// carries a random per-batch nonce, so nothing an inner guest prints can forge one:
//   @@KBRIG:<nonce>:READY:kvm=<0|1>@@        L1 booted, modules loaded
//   @@KBRIG:<nonce>:BEGIN:<i>@@              job i starts; its console follows live
//   @@KBRIG:<nonce>:STATS:<i>:<base64>@@     kickvmm's --stats file, in lines
//   @@KBRIG:<nonce>:STDERR:<i>:<base64>@@    kickvmm's stderr, in lines
//   @@KBRIG:<nonce>:END:<i>:<status>:<secs>@@
//   @@KBRIG:<nonce>:ERROR:<text>@@           a problem in L1 itself
//   @@KBRIG:<nonce>:ALL-DONE@@
//   @@KBRIG:<nonce>:ALIVE@@                  L1's heartbeat, every 10 s, anywhere in the stream
// rig-init.sh prints a newline before every marker, so a console that does not
// end in one still ends before the marker; the parser removes that one newline.

export interface RigJobTranscript {
  index: number;
  begun: boolean;
  ended: boolean;
  status: number | null;
  /** seconds L1 measured between BEGIN and END (whole seconds) */
  l1Seconds: number | null;
  console: string;
  stats: string | null;
  stderr: string;
}

export interface RigTranscript {
  ready: boolean;
  kvm: boolean | null;
  allDone: boolean;
  errors: string[];
  jobs: RigJobTranscript[];
}

export interface RigDemuxEvents {
  onReady?: (kvm: boolean) => void;
  onConsole?: (index: number, chunk: string) => void;
  onBegin?: (index: number) => void;
  onEnd?: (index: number, status: number | null) => void;
}

function markerRegex(nonce: string): RegExp {
  return new RegExp(`@@KBRIG:${nonce}:([A-Z-]+)(?::([^@\\n]*))?@@`, 'g');
}

/** Incremental parser: push() serial output as it arrives, finish() at the end. */
export class RigDemux {
  private pending = '';
  private current: number | null = null;
  /** true while the job's console is still open (before its first post-run marker) */
  private consoleOpen = false;
  /** drop the newline that ends a marker line */
  private skipNewline = false;
  /** a console newline held back in case the next thing is a marker */
  private heldNewline = false;
  private readonly stats: string[][];
  private readonly stderrs: string[][];
  readonly result: RigTranscript;
  private readonly re: RegExp;

  constructor(
    nonce: string,
    jobCount: number,
    private readonly events: RigDemuxEvents = {},
  ) {
    if (!/^[0-9a-f]{8,64}$/.test(nonce)) throw new Error('rig nonce must be 8-64 lowercase hex digits');
    this.re = markerRegex(nonce);
    this.result = {
      ready: false,
      kvm: null,
      allDone: false,
      errors: [],
      jobs: Array.from({ length: jobCount }, (_, index) => ({
        index,
        begun: false,
        ended: false,
        status: null,
        l1Seconds: null,
        console: '',
        stats: null,
        stderr: '',
      })),
    };
    this.stats = Array.from({ length: jobCount }, () => []);
    this.stderrs = Array.from({ length: jobCount }, () => []);
  }

  push(chunk: string): void {
    this.pending += chunk;
    // Hold back an unfinished last line that may be the start of a marker,
    // and trailing CRs whose LF has not arrived yet.
    const lastNl = this.pending.lastIndexOf('\n');
    const cut =
      this.pending.indexOf('@', lastNl + 1) >= 0
        ? lastNl + 1
        : this.pending.length - (/\r*$/.exec(this.pending)?.[0].length ?? 0);
    if (cut > 0) {
      const ready = this.pending.slice(0, cut);
      this.pending = this.pending.slice(cut);
      this.process(ready);
    }
  }

  finish(): RigTranscript {
    if (this.pending) this.process(this.pending);
    this.pending = '';
    if (this.heldNewline) {
      this.heldNewline = false;
      this.emitConsole('\n');
    }
    for (const j of this.result.jobs) {
      j.stats = this.stats[j.index].length ? decodeB64Lines(this.stats[j.index]) : null;
      j.stderr = decodeB64Lines(this.stderrs[j.index]);
    }
    return this.result;
  }

  private process(raw: string): void {
    const text = raw.replace(/\r+\n/g, '\n');
    this.re.lastIndex = 0;
    let at = 0;
    for (let m = this.re.exec(text); m; m = this.re.exec(text)) {
      this.text(text.slice(at, m.index));
      this.marker(m[1], m[2] ?? '');
      at = m.index + m[0].length;
      // Markers end their own line, except the heartbeat, which may sit inside console text.
      if (m[1] !== 'ALIVE') this.skipNewline = true;
    }
    this.text(text.slice(at));
  }

  /** Text between markers: console of the running job, else L1 noise (dropped). */
  private text(t: string): void {
    if (this.skipNewline && t.length > 0) {
      if (t.startsWith('\n')) t = t.slice(1);
      this.skipNewline = false;
    }
    if (!this.consoleOpen || this.current === null || t.length === 0) return;
    // A console's last newline may be the one rig-init.sh prints before the
    // next marker: hold it until more console text shows it was real.
    if (this.heldNewline) t = '\n' + t;
    this.heldNewline = t.endsWith('\n');
    if (this.heldNewline) t = t.slice(0, -1);
    if (t) this.emitConsole(t);
  }

  private emitConsole(t: string): void {
    if (this.current === null) return;
    this.result.jobs[this.current].console += t;
    this.events.onConsole?.(this.current, t);
  }

  private job(field: string): RigJobTranscript | null {
    const i = Number(field);
    return Number.isInteger(i) && i >= 0 && i < this.result.jobs.length ? this.result.jobs[i] : null;
  }

  private marker(kind: string, arg: string): void {
    const [first, ...rest] = arg.split(':');
    switch (kind) {
      case 'READY':
        this.result.ready = true;
        this.result.kvm = arg === 'kvm=1';
        this.events.onReady?.(this.result.kvm);
        break;
      case 'BEGIN': {
        const j = this.job(first);
        if (!j) break;
        this.closeConsole();
        j.begun = true;
        this.current = j.index;
        this.consoleOpen = true;
        this.events.onBegin?.(j.index);
        break;
      }
      case 'STATS':
      case 'STDERR': {
        const j = this.job(first);
        if (!j) break;
        if (j.index === this.current) this.closeConsole();
        (kind === 'STATS' ? this.stats : this.stderrs)[j.index].push(rest.join(':'));
        break;
      }
      case 'END': {
        const j = this.job(first);
        if (!j) break;
        if (j.index === this.current) this.closeConsole();
        j.ended = true;
        // Everything about the job has arrived: decode it now, so its result can go out at once.
        j.stats = this.stats[j.index].length ? decodeB64Lines(this.stats[j.index]) : null;
        j.stderr = decodeB64Lines(this.stderrs[j.index]);
        j.status = /^-?\d+$/.test(rest[0] ?? '') ? Number(rest[0]) : null;
        j.l1Seconds = /^\d+$/.test(rest[1] ?? '') ? Number(rest[1]) : null;
        if (j.index === this.current) this.current = null;
        this.events.onEnd?.(j.index, j.status);
        break;
      }
      case 'ERROR':
        this.result.errors.push(arg);
        break;
      case 'ALIVE':
        break;
      case 'ALL-DONE':
        this.closeConsole();
        this.current = null;
        this.result.allDone = true;
        break;
      default:
        break;
    }
  }

  private closeConsole(): void {
    this.heldNewline = false;
    this.consoleOpen = false;
  }
}

function decodeB64Lines(lines: string[]): string {
  return Buffer.from(lines.join('').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8');
}

/** Parses a whole transcript at once (tests, post-mortems). */
export function demuxRigTranscript(text: string, nonce: string, jobCount: number): RigTranscript {
  const d = new RigDemux(nonce, jobCount);
  d.push(text);
  return d.finish();
}
