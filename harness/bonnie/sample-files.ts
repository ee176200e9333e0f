// The bonnie++ outputs the parser and formatter tests read: committed beside
// the tests in harness/bonnie/fixtures/ (see its README.md for how each was
// made), so a fresh clone runs every parser test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';

export const FIXTURES = join(repoRoot(), 'harness', 'bonnie', 'fixtures');

export function sample(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}
