// Progress for long runs: run i of n, what is running, its phase, elapsed
// and an estimate of what is left. On a terminal the phase updates one
// status line in place; elsewhere (CI logs) every change is a plain line.
export class Progress {
  private total = 0;
  private done = 0;
  private runStart = 0;
  private sampleStart = 0;
  private label = '';
  private durations: number[] = [];
  private readonly tty: boolean;
  /** a status line is on screen without its newline yet */
  private lineOpen = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(out.isTTY) && !process.env.CI;
  }

  note(line: string): void {
    if (!this.quiet) this.write(`${line}\n`);
  }

  start(total: number): void {
    this.total = total;
    this.runStart = Date.now();
  }

  begin(label: string): void {
    this.label = label;
    this.sampleStart = Date.now();
  }

  phase(name: string): void {
    if (this.quiet) return;
    const line = `[${this.done + 1}/${this.total}] ${this.label}: ${name}  (elapsed ${fmt(Date.now() - this.runStart)}${this.remaining()})`;
    if (this.tty) {
      this.write(`\r\x1b[2K${line}`);
      this.lineOpen = true;
    } else this.write(`${line}\n`);
  }

  end(outcome: string): void {
    const took = Date.now() - this.sampleStart;
    this.durations.push(took);
    this.done++;
    if (this.quiet) return;
    const line = `[${this.done}/${this.total}] ${this.label}: ${outcome} in ${fmt(took)}${this.remaining()}`;
    this.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  /** After a batch: the count of samples done, whatever the console showed. */
  sync(done: number): void {
    this.done = done;
  }

  /** Ends an open status line (before kickbench's last message on an interrupt). */
  close(): void {
    if (this.lineOpen) this.write('\n');
  }

  finish(): void {
    this.note(`finished ${this.done} sample(s) in ${fmt(Date.now() - this.runStart)}`);
  }

  private remaining(): string {
    if (this.durations.length === 0 || this.done >= this.total) return '';
    const mean = this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
    return `, ~${fmt(mean * (this.total - this.done))} left`;
  }

  private write(s: string): void {
    this.lineOpen = false;
    this.out.write(s);
  }
}

export function fmt(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
