// A minimal QMP client (QEMU Machine Protocol: one JSON object per line over a
// unix socket): enough to wait for the guest's end, read KVM's counters with
// `query-stats`, and tell QEMU to quit. Every wait is bounded.
import { connect, type Socket } from 'node:net';

export interface QmpEvent {
  event: string;
  data?: unknown;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class QmpClient {
  private buf = '';
  private pending: Pending[] = [];
  private events: QmpEvent[] = [];
  private eventWaiters: { names: string[]; resolve: (e: QmpEvent) => void }[] = [];
  private closedError: Error | null = null;
  private greeting: Promise<unknown>;
  private greet!: Pending;

  private constructor(private readonly sock: Socket) {
    this.greeting = new Promise((resolve, reject) => (this.greet = { resolve, reject }));
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('error', (e) => this.fail(new Error(`QMP socket: ${e.message}`)));
    sock.on('close', () => this.fail(new Error('QMP socket closed (QEMU exited)')));
  }

  /** Connects, retrying while QEMU creates the socket, and negotiates capabilities. */
  static async open(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const c = new QmpClient(sock);
        await withTimeout(c.greeting, deadline - Date.now(), 'QMP greeting');
        await c.execute('qmp_capabilities', undefined, deadline - Date.now());
        return c;
      } catch (e) {
        if (Date.now() >= deadline)
          throw new Error(`cannot open QMP at ${path}: ${(e as Error).message}`, { cause: e });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  execute(command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const p = new Promise<unknown>((resolve, reject) => this.pending.push({ resolve, reject }));
    this.sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    return withTimeout(p, timeoutMs, `QMP ${command}`);
  }

  /** Resolves with the first of `names` seen (including ones already received). */
  waitEvent(names: string[], timeoutMs: number): Promise<QmpEvent> {
    const seen = this.events.find((e) => names.includes(e.event));
    if (seen) return Promise.resolve(seen);
    if (this.closedError) return Promise.reject(this.closedError);
    const p = new Promise<QmpEvent>((resolve) => this.eventWaiters.push({ names, resolve }));
    return withTimeout(p, timeoutMs, `QMP event ${names.join('|')}`);
  }

  close(): void {
    this.sock.destroy();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.fail(new Error(`QMP sent a line that is not JSON: ${line.slice(0, 80)}`));
      return;
    }
    if ('QMP' in msg) {
      this.greet.resolve(msg.QMP);
    } else if (typeof msg.event === 'string') {
      const ev: QmpEvent = { event: msg.event, data: msg.data };
      this.events.push(ev);
      for (const w of this.eventWaiters.filter((w) => w.names.includes(ev.event))) w.resolve(ev);
      this.eventWaiters = this.eventWaiters.filter((w) => !w.names.includes(ev.event));
    } else if ('return' in msg || 'error' in msg) {
      const p = this.pending.shift();
      if (!p) return;
      if ('error' in msg) {
        const err = msg.error as { class?: string; desc?: string };
        p.reject(new Error(`QMP error ${err.class ?? ''}: ${err.desc ?? 'unknown'}`));
      } else {
        p.resolve(msg.return);
      }
    }
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    this.greet.reject(e);
    for (const p of this.pending.splice(0)) p.reject(e);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.max(0, ms)} ms`)), Math.max(0, ms));
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * `query-stats` for the vCPUs, summed over vCPUs, numeric counters only: the
 * same names KVM_GET_STATS_FD gives kickvmm (its stats JSON's `kvm` object),
 * so `exits`, `io_exits`, `halt_exits`, `insn_emulation`... compare directly.
 */
export function sumVcpuStats(queryStatsReturn: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!Array.isArray(queryStatsReturn)) return out;
  for (const entry of queryStatsReturn) {
    const e = entry as { provider?: string; stats?: { name?: unknown; value?: unknown }[] };
    if (e.provider !== 'kvm' || !Array.isArray(e.stats)) continue;
    for (const s of e.stats) {
      if (typeof s.name !== 'string') continue;
      if (typeof s.value === 'number' && Number.isFinite(s.value)) out[s.name] = (out[s.name] ?? 0) + s.value;
    }
  }
  return out;
}
