// Running host tools with one-line errors: which tool failed, and its last stderr line.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of `tool` on PATH (plus the sbin directories), or null. */
export function findTool(tool: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const p = join(dir, tool);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

/** Like findTool, but throws "X not found (Debian package Y)" when missing. */
export function requireTool(tool: string, debianPackage: string): string {
  const p = findTool(tool);
  if (!p) throw new Error(`${tool} not found on PATH: install Debian's ${debianPackage} package`);
  return p;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length ? lines[lines.length - 1] : '';
}

/** Runs a tool to completion; rejects with one line naming the tool and its error. */
export function runTool(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer; encoding?: 'utf8' } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const why = lastLine(stderr) || err.message.split('\n')[0];
          reject(
            new Error(`${file.split('/').pop()} ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' …' : ''}: ${why}`),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
    if (opts.input) child.stdin?.end(opts.input);
  });
}

/** Runs a tool and returns its stdout as bytes (for binary output such as xz -dc). */
export function runToolBinary(file: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(
            `${file.split('/').pop()} ${args.join(' ')}: ${lastLine(stderr.toString('utf8')) || err.message.split('\n')[0]}`,
          ),
        );
      else resolve(stdout);
    });
    child.stdin?.on('error', () => {
      /* the exit status reports the failure */
    });
    child.stdin?.end(input);
  });
}

/** Runs a tool and reports its exit status instead of rejecting on non-zero. */
export function runToolStatus(file: string, args: string[]): Promise<RunResult & { status: number | null }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        reject(new Error(`${file}: ${err.message.split('\n')[0]}`));
        return;
      }
      const code = err ? ((err as unknown as { code: number | null }).code ?? null) : 0;
      resolve({ stdout, stderr, status: code });
    });
  });
}
