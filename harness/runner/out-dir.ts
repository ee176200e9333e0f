// One run owns its --out folder. A lock file (pid + process start time) keeps a
// second run out while the first lives; a lock left by a dead process is taken
// over. A folder that already holds results is refused unless the caller says
// what to do with them: replace them (--force) or continue the run (--resume).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup } from '../lifecycle/shutdown.js';

export const LOCK_FILE = '.kickbench.lock';
/** What a run writes into its --out folder; --force removes exactly these. */
export const RUN_ENTRIES = ['results.json', 'run.json', 'logs', 'disks'];

export class OutDirError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface LockOwner {
  pid: number;
  startTime: string;
}

function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid may have been reused by an unrelated process since.
  const now = startTimeOf(owner.pid);
  return now === null || owner.startTime === '' || now === owner.startTime;
}

function readOwner(file: string): { text: string; owner: LockOwner | null } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const m = /^(\d+) (\S*)/.exec(text);
  return { text, owner: m ? { pid: Number(m[1]), startTime: m[2] } : null };
}

/** Takes the folder's lock, or throws OutDirError naming the run that holds it. */
export function lockOutDir(outDir: string): () => void {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, LOCK_FILE);
  const mine = `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        // Only our own lock: never one a later run took over.
        if (readOwner(file)?.text === mine) rmSync(file, { force: true });
      };
      const forget = onCleanup(release);
      return () => {
        release();
        forget();
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        // We created it but could not fill it (ENOSPC): leave no empty lock behind.
        rmSync(file, { force: true });
        throw e;
      }
    }
    const held = readOwner(file);
    if (held === null) continue; // released meanwhile
    if (held.owner && alive(held.owner))
      throw new OutDirError(`${outDir} is in use by another kickbench run (pid ${held.owner.pid})`, 1);
    // Stale (its process is gone): remove it only if it is still the same stale lock.
    if (readOwner(file)?.text === held.text) rmSync(file, { force: true });
  }
  throw new OutDirError(`${outDir}: could not take the lock ${LOCK_FILE}`, 1);
}

/** True when the folder holds a previous run's results. */
export function holdsResults(outDir: string): boolean {
  return existsSync(join(outDir, 'results.json'));
}

/**
 * Claims `outDir` for a run: the lock, then the check for earlier results.
 * `force` removes a previous run's files first; `resume` expects them.
 * Returns the function that releases the lock.
 */
export function claimOutDir(outDir: string, how: { force?: boolean; resume?: boolean } = {}): () => void {
  const release = lockOutDir(outDir);
  try {
    if (how.resume) {
      if (!holdsResults(outDir)) throw new OutDirError(`${outDir}: no results.json to resume`, 1);
    } else if (holdsResults(outDir)) {
      if (!how.force)
        throw new OutDirError(
          `${outDir} already holds results: --force replaces them, --resume ${outDir} continues that run`,
          2,
        );
      for (const entry of RUN_ENTRIES) rmSync(join(outDir, entry), { recursive: true, force: true });
    }
  } catch (e) {
    release();
    throw e;
  }
  return release;
}

/** Disk images left by samples that never finished (the run was killed): not results, so not kept. */
export function removeOrphanDisks(diskDir: string, keep: Set<string>): void {
  if (!existsSync(diskDir)) return;
  for (const f of readdirSync(diskDir)) if (!keep.has(f)) rmSync(join(diskDir, f), { force: true });
}
