// Where things live, resolved from this file so the CLI works from any cwd.
// Compiled code sits in dist/harness/ and sources in harness/, at different
// depths, so walk up to the folder with package.json and binding.gyp.
// This is the one way the harness finds the repository (scripts/*.mjs, which run
// before tsc, find it from their own place).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | null = null;

export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'binding.gyp'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the kickbench repository root');
    dir = up;
  }
  cachedRoot = dir;
  return dir;
}

/** A non-TypeScript file kept beside the sources (init scripts): tsc does not copy them to dist/. */
export function harnessFile(subdir: string, name: string): string {
  const file = join(repoRoot(), 'harness', subdir, name);
  if (!existsSync(file)) throw new Error(`cannot find ${file}`);
  return file;
}

let cachedVersion: string | null = null;

/** kickbench's version: package.json's, the one place it is written. */
export function packageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

let kickvmmOverride: string | null = null;

/** `--kickvmm PATH`: use a prebuilt kickvmm instead of this checkout's build (run, ab, doctor). */
export function useKickvmm(path: string): void {
  kickvmmOverride = resolve(path);
}

export const paths = {
  // KICKBENCH_KICKVMM is kept for old scripts; --kickvmm is the documented way.
  kickvmm: (): string => kickvmmOverride ?? process.env.KICKBENCH_KICKVMM ?? join(repoRoot(), 'build/Release/kickvmm'),
  addon: (): string => join(repoRoot(), 'build/Release/kickvmm_addon.node'),
  probeGuest: (): string => join(repoRoot(), 'build/probe.elf'),
  hostio: (): string => join(repoRoot(), 'build/Release/hostio'),
  nativeUnitTests: (): string => join(repoRoot(), 'build/Release/native_unit_tests'),
  results: (): string => join(repoRoot(), 'results'),
  reports: (): string => join(repoRoot(), 'reports'),
};
