// Reads scripts/debian-packages.txt (the one list of Debian packages kickbench
// needs) and asks dpkg which are missing. Shared by setup.mjs and `kickbench doctor`.
// Only Node built-ins: setup runs this before node_modules exists.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Package names from the list. `test`-tagged ones only with includeTestOnly.
 * KICKBENCH_PACKAGES_FILE points at another list (for tests).
 */
export function debianPackages({ includeTestOnly = false } = {}) {
  const list = process.env.KICKBENCH_PACKAGES_FILE || join(here, 'debian-packages.txt');
  const pkgs = [];
  for (const raw of readFileSync(list, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, tag] = line.split(/\s+/);
    if (tag === 'test' && !includeTestOnly) continue;
    pkgs.push(name);
  }
  return pkgs;
}

/** The packages dpkg does not have installed; null when this is not a dpkg system. */
export function missingDebianPackages(pkgs) {
  const probe = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...pkgs], { encoding: 'utf8' });
  if (probe.error) return null;
  const installed = new Set();
  for (const line of probe.stdout.split('\n')) {
    const [name, status] = line.trim().split(/\s+/);
    if (name && status && status.startsWith('ii')) installed.add(name.replace(/:.*/, ''));
  }
  return pkgs.filter((p) => !installed.has(p));
}
