// How kickbench ends when it is told to stop: SIGINT, SIGTERM, SIGHUP, or the
// npm/npx process that started it going away (npm-parent.ts). Every child's
// process group is killed, the run in progress marks its results incomplete
// (an interrupt hook), temporary files go (clean-up hooks, which also run on
// every other exit path), and one line says what happened. Exit status is
// 128 + the signal number (130 SIGINT, 143 SIGTERM, 129 SIGHUP or parent gone).
import { constants } from 'node:os';
import { killAllChildren, killAllChildrenNow } from '../launch/child.js';

/** Runs once on interruption; returns what to add to the one-line message (or null). */
export type InterruptHook = (signal: NodeJS.Signals) => string | null;

const interruptHooks = new Set<InterruptHook>();
const cleanupHooks = new Set<() => void>();
let stopping: NodeJS.Signals | null = null;
let installed = false;

export function onInterrupt(hook: InterruptHook): () => void {
  interruptHooks.add(hook);
  return () => interruptHooks.delete(hook);
}

/** A synchronous clean-up (remove a temporary folder) run on every exit path; idempotent please. */
export function onCleanup(hook: () => void): () => void {
  cleanupHooks.add(hook);
  return () => cleanupHooks.delete(hook);
}

function runCleanups(): void {
  for (const hook of [...cleanupHooks].reverse()) {
    try {
      hook();
    } catch {
      /* best effort: the other clean-ups still run */
    }
  }
  cleanupHooks.clear();
}

/** The signal kickbench is stopping for, or null. */
export function stoppingFor(): NodeJS.Signals | null {
  return stopping;
}

/** While kickbench stops, nothing more may start: callers wait here forever (the exit comes first). */
export async function haltIfStopping(): Promise<void> {
  if (stopping) await new Promise<never>(() => {});
}

export function exitStatusFor(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 1);
}

/**
 * Stop everything and exit: children first (so nothing more is measured), then
 * the interrupt hooks (results marked incomplete), clean-ups, one line.
 */
export async function stopNow(signal: NodeJS.Signals, why: string): Promise<never> {
  if (stopping) {
    // A second signal while stopping: no more waiting.
    killAllChildrenNow();
    runCleanups();
    process.exit(exitStatusFor(stopping));
  }
  stopping = signal;
  const children = killAllChildren(`kickbench ${why}`);
  const notes: string[] = [];
  for (const hook of interruptHooks) {
    try {
      const note = hook(signal);
      if (note) notes.push(note);
    } catch (e) {
      notes.push((e as Error).message.split('\n')[0]);
    }
  }
  await children;
  runCleanups();
  process.stderr.write(`kickbench: ${why}${notes.length ? `; ${notes.join('; ')}` : ''}\n`);
  process.exit(exitStatusFor(signal));
}

/** Installs the signal handlers and the exit-time clean-up; call once, early. */
export function installShutdown(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stopNow(signal, `interrupted by ${signal}`));
  }
  process.on('exit', () => {
    killAllChildrenNow();
    runCleanups();
  });
}
