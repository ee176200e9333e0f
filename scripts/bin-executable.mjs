#!/usr/bin/env node
// Marks every "bin" of package.json executable. tsc writes dist/harness/cli.js
// without the x bit, and npx only sets it when it links the package afresh: with
// an npx cache left from an earlier checkout at the same path, `npx kickbench`
// would run a file the shell refuses ("Permission denied").
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function makeBinsExecutable(root) {
  const { bin = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const file of Object.values(bin)) {
    const path = join(root, file);
    if (existsSync(path)) chmodSync(path, 0o755);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  makeBinsExecutable(join(dirname(fileURLToPath(import.meta.url)), '..'));
