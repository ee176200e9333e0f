// For tests: a copy of this checkout's tracked files as a new git repository,
// committed twice; the second commit only appends a comment to kickvmm's
// source, so the two revisions have different native sources to build.

import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../paths.js';

/** A copy of this checkout's tracked files as a new repository, committed twice. */
export function throwawayRepo(dir: string): void {
  const files = spawnSync('git', ['-C', repoRoot(), 'ls-files', '-z'], { encoding: 'utf8' })
    .stdout.split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(repoRoot(), f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(repoRoot(), f), join(dir, f));
  }
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args[0]}: ${r.stderr}`);
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'base');
  appendFileSync(join(dir, 'native/kickvmm/main.cc'), '\n// head: a harmless change for the ab test\n');
  git('commit', '-qam', 'head');
}
