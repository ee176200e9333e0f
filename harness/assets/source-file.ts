// Non-TypeScript files kept beside the sources (init scripts). tsc does not copy
// them to dist/, so look beside the running module first, then in the source tree.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function sourceFile(moduleUrl: string, subdir: string, name: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [join(here, name), resolve(here, '..', '..', '..', 'harness', subdir, name)];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`cannot find ${name} (looked in ${candidates.join(', ')})`);
}
