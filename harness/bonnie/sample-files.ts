// Where the bonnie++ reference samples live for tests: shared/ beside the
// repository (CI clones it there as well). Tests skip, saying why, without it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found above the test file');
    dir = up;
  }
  return dir;
}

export const SAMPLES = resolve(repoRoot(), '..', 'shared', 'reference', 'bonnie-samples');

/** false when the samples are there, else the reason to skip */
export const skipWithoutSamples: false | string = existsSync(SAMPLES)
  ? false
  : `bonnie samples not found at ${SAMPLES} (shared/ is not beside the repository)`;

export function sample(name: string): string {
  return readFileSync(join(SAMPLES, name), 'utf8');
}
