// A log file written as output arrives. A write stream with no 'error' listener
// crashes node on the first failed write (ENOSPC on a full disk did exactly
// that); this one keeps the first error, stops writing, and reports it in one
// line when closed, so the caller ends the run cleanly.
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { FileWriteError } from '../lifecycle/write-errors.js';

export class LogFile {
  private readonly stream: WriteStream;
  private error: NodeJS.ErrnoException | null = null;

  constructor(
    readonly path: string,
    flags: 'w' | 'a' = 'w',
    /** told once, at the first failed write */
    onError?: (e: FileWriteError) => void,
  ) {
    this.stream = createWriteStream(path, { flags });
    this.stream.on('error', (e) => {
      if (this.error) return;
      this.error = e;
      onError?.(new FileWriteError(path, e));
    });
  }

  write(chunk: string): void {
    if (!this.error) this.stream.write(chunk);
  }

  /** Flushes and closes; throws FileWriteError if any write failed. */
  async close(): Promise<void> {
    if (!this.stream.writableEnded) this.stream.end();
    await finished(this.stream).catch(() => {});
    if (this.error) throw new FileWriteError(this.path, this.error);
  }
}
