// The one way kickbench runs a VM process (kickvmm locally, QEMU for the rig):
//  - in its own process group, so a terminal's Ctrl-C reaches kickbench alone and
//    kickbench decides how its children end (the whole group, wrapper included);
//  - under a tiny shell watchdog holding the read end of a pipe whose write end only
//    kickbench holds: when kickbench dies, even by SIGKILL, the pipe reads EOF and the
//    watchdog kills the child and removes the path it was given (a scratch folder);
//  - with a host-side time limit: SIGTERM to the group, SIGKILL after a grace period.
// Every live child is registered, so shutdown can take them all down with it.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildExit {
  /** exit status; a child killed by signal N reads as 128 + N (the watchdog's `wait`) */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the child could not be started */
  error?: string;
  /** why kickbench stopped it (time limit, wedged guest), or null */
  stoppedBecause: string | null;
}

export interface ChildOptions {
  /** stop the child after this long (SIGTERM, then SIGKILL) */
  limitMs?: number;
  /** the reason recorded when the limit stops it */
  limitReason?: string;
  /** between SIGTERM and SIGKILL (default 5 s) */
  killGraceMs?: number;
  /** removed by the watchdog if kickbench dies while the child runs */
  removeOnOrphan?: string;
  env?: NodeJS.ProcessEnv;
}

export interface VmChild {
  readonly process: ChildProcess;
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  /** SIGTERM to the child's process group, SIGKILL after the grace period; the first reason wins */
  stop(why: string): void;
  /** resolves when the child has exited and its output is drained; never while kickbench shuts down */
  readonly exited: Promise<ChildExit>;
}

// fd 3 is the watchdog pipe. The child runs in the background with fd 3 closed;
// a subshell blocks reading fd 3 and, on EOF, kills the child and removes $2
// (ignoring the TERM the wrapper sends its watcher once the child is gone).
const WATCHDOG = `child_cmd=$1; orphan_rm=$2; shift 2
KICKBENCH_PARENT_PID=$$ "$child_cmd" "$@" 3<&- &
child=$!
( read -r _ <&3; trap '' TERM; kill -KILL "$child" 2>/dev/null; [ -n "$orphan_rm" ] && rm -rf -- "$orphan_rm" ) &
watch=$!
exec 3<&-
wait "$child"
status=$?
kill "$watch" 2>/dev/null
exit "$status"
`;

const live = new Set<ChildProcess>();
let refusing: string | null = null;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* the group is already gone */
  }
}

export function startVmChild(file: string, args: string[], opts: ChildOptions = {}): VmChild {
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'kickbench-watchdog', file, opts.removeOnOrphan ?? '', ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    detached: true,
    env: opts.env ?? process.env,
  });
  if (child.pid !== undefined) live.add(child);
  let stoppedBecause: string | null = null;
  let killTimer: NodeJS.Timeout | null = null;
  const stop = (why: string) => {
    if (stoppedBecause !== null) return;
    stoppedBecause = why;
    killGroup(child, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), opts.killGraceMs ?? 5000);
  };
  const limit =
    opts.limitMs !== undefined ? setTimeout(() => stop(opts.limitReason ?? 'time limit'), opts.limitMs) : null;
  if (refusing) stop(refusing);
  const exited = new Promise<ChildExit>((resolve) => {
    const done = (r: Omit<ChildExit, 'stoppedBecause'>) => {
      live.delete(child);
      if (limit) clearTimeout(limit);
      if (killTimer) clearTimeout(killTimer);
      // While kickbench shuts down, nothing downstream may record a killed VM as a result.
      if (refusing === null) resolve({ ...r, stoppedBecause });
    };
    child.on('error', (err) =>
      done({ code: null, signal: null, error: `cannot start ${file}: ${(err as Error).message}` }),
    );
    child.on('close', (code, signal) => done({ code, signal }));
  });
  return { process: child, stdout: child.stdout!, stderr: child.stderr!, stop, exited };
}

/** Children still running. */
export function liveChildCount(): number {
  return live.size;
}

/**
 * Shutdown: from now on no child result is delivered and no new child runs;
 * every live child's process group gets SIGKILL. Resolves once they have all
 * exited, or after `waitMs`.
 */
export function killAllChildren(why: string, waitMs = 3000): Promise<void> {
  refusing = why;
  const pending = [...live];
  for (const c of pending) killGroup(c, 'SIGKILL');
  if (pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    let left = pending.length;
    for (const c of pending) {
      const gone = () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      if (c.exitCode !== null || c.signalCode !== null) gone();
      else c.once('exit', gone);
    }
  });
}

/** For process.on('exit'): synchronous, last resort. */
export function killAllChildrenNow(): void {
  refusing ??= 'kickbench is exiting';
  for (const c of live) killGroup(c, 'SIGKILL');
}
