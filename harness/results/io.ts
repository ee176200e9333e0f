// Reading and writing results.json. Writes are atomic: a crash, a full disk
// or a concurrent reader never sees half a file.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ResultSet } from './schema.js';
import { ResultsError, validateResults } from './validate.js';

export { ResultsError, validateResults } from './validate.js';

/** Reads and validates a results file; throws ResultsError with one line naming the file and field. */
export async function readResults(file: string): Promise<ResultSet> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new ResultsError(`${file}: cannot read: ${why}`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new ResultsError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  return validateResults(obj, file);
}

/**
 * Writes `rs` to `file` via a temporary file in the same directory, fsynced and
 * renamed over the target, then fsyncs the directory so the rename is durable.
 * The set is validated first: an invalid set is never written.
 */
export async function writeResultsAtomic(file: string, rs: ResultSet): Promise<void> {
  validateResults(rs, file);
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const data = JSON.stringify(rs, null, 2) + '\n';
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', 0o644);
    await handle.writeFile(data, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw new ResultsError(`${file}: cannot write: ${(e as Error).message}`);
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  // Some filesystems (9p, some FUSE) refuse fsync on a directory; the data
  // itself is already synced, so that is not worth failing the run for.
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    /* best effort */
  } finally {
    await h?.close().catch(() => undefined);
  }
}
