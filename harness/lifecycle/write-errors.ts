// Failures to write kickbench's own files (results, logs, images). A full disk
// is its own case: one line, exit status 2, and what was measured stays on disk
// (results.json is only ever replaced by a complete new copy).

export class FileWriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`cannot write ${path}: ${cause.code === 'ENOSPC' ? 'no space left on device (ENOSPC)' : cause.message}`);
    this.code = cause.code;
  }
}

/** True for ENOSPC (and EDQUOT), however deep in the error's causes or message it sits. */
export function isNoSpace(e: unknown): boolean {
  for (
    let err = e as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    err && depth < 5;
    depth++
  ) {
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return true;
    if (typeof err.message === 'string' && /\b(ENOSPC|EDQUOT)\b|no space left on device/i.test(err.message))
      return true;
    err = err.cause as typeof err;
  }
  return false;
}
