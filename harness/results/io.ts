// Reading and writing results.json. Writes are atomic: a crash, a full disk
// or a concurrent reader never sees half a file. Synchronous on purpose: the
// runner rewrites the file after every sample and must not interleave writes.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ResultSet } from './schema.js';
import { ResultsError, validateResults } from './validate.js';

export { ResultsError, validateResults } from './validate.js';

/** Reads and validates a results file; throws ResultsError with one line naming the file and field. */
export function readResults(file: string): ResultSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
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
export function writeResultsAtomic(file: string, rs: ResultSet): void {
  validateResults(rs, file);
  writeJsonAtomic(file, rs);
}

/** Any JSON document, written the same atomic way (a failed write leaves the old file as it was). */
export function writeJsonAtomic(file: string, value: unknown): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const data = JSON.stringify(value, null, 2) + '\n';
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    writeFileSync(fd, data, 'utf8');
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    throw new ResultsError(`${file}: cannot write: ${(e as Error).message}`);
  }
  syncDir(dir);
}

function syncDir(dir: string): void {
  // Some filesystems (9p, some FUSE) refuse fsync on a directory; the data
  // itself is already synced, so that is not worth failing the run for.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
