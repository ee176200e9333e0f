// `npm run` and `npx` start kickbench through `sh -c`. npm forwards SIGINT and
// SIGTERM to that shell only, and the shell does not pass them on: SIGTERM (how CI
// cancels a job) ends npm and the shell but left kickbench running. So when npm
// started kickbench, kickbench watches every process between itself and npm,
// and stops as soon as one of them is gone (or replaced by a new process with
// the same pid).
import { readFileSync } from 'node:fs';

interface Ancestor {
  pid: number;
  /** /proc/PID/stat field 22: start time in clock ticks, to tell a reused pid */
  startTime: string;
  comm: string;
}

function readStat(pid: number): { ppid: number; startTime: string; comm: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may hold spaces or parentheses: split after the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const rest = text
      .slice(close + 2)
      .trim()
      .split(' ');
    // rest[0] is field 3 (state); ppid is field 4, starttime field 22.
    return { ppid: Number(rest[1]), startTime: rest[19], comm };
  } catch {
    return null;
  }
}

function argv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** npm itself: its title ("npm exec ...", "npm run ..."), or node running npm-cli.js / npx-cli.js. */
function isNpm(comm: string, args: string[]): boolean {
  if (/^(npm|npx)\b/.test(comm) || /^(npm|npx)\b/.test(args[0] ?? '')) return true;
  return args.slice(0, 2).some((a) => /(^|\/)(npm|npx)(-cli\.js)?$/.test(a));
}

/** npm sets these in the environment of every script and of what npx runs. */
export function startedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.npm_lifecycle_event || env.npm_command || env.npm_execpath);
}

/** The processes from our parent up to and including npm (at most 6), or just the parent. */
export function npmAncestors(fromPid = process.ppid): Ancestor[] {
  const chain: Ancestor[] = [];
  for (let pid = fromPid; pid > 1 && chain.length < 6;) {
    const s = readStat(pid);
    if (!s) break;
    chain.push({ pid, startTime: s.startTime, comm: s.comm });
    if (isNpm(s.comm, argv(pid))) return chain;
    pid = s.ppid;
  }
  return chain.slice(0, 1);
}

function gone(a: Ancestor): boolean {
  const s = readStat(a.pid);
  return s === null || s.startTime !== a.startTime;
}

/**
 * When npm started kickbench, calls `onGone` once one of the processes between
 * them ends. Polls /proc once a second; the timer does not keep kickbench alive.
 */
export function watchNpmParent(onGone: (what: string) => void, intervalMs = 1000): () => void {
  if (!startedByNpm() || process.platform !== 'linux') return () => {};
  const chain = npmAncestors();
  if (chain.length === 0) return () => {};
  const timer = setInterval(() => {
    const lost = chain.find(gone);
    if (lost) {
      clearInterval(timer);
      onGone(`its parent process ${lost.comm} (pid ${lost.pid}) ended`);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
