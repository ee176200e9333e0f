#!/usr/bin/env node
// Brings a fresh Debian 12 checkout to "ready": Debian packages, npm deps,
// the native build (kickvmm, addon, probe guest), the TypeScript build and
// the guest assets. Each step is skipped when already up to date, so
// `npm run bench` and `npm test` can always call it first.
//
//   node scripts/setup.mjs [--for-tests] [--no-assets] [--check]
//
// Only Node built-ins here: this runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { debianPackages, missingDebianPackages } from './debian-packages.mjs';
import { makeBinsExecutable } from './bin-executable.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const forTests = args.has('--for-tests');
const checkOnly = args.has('--check');
const withAssets = !args.has('--no-assets');

function say(line) {
  process.stderr.write(`setup: ${line}\n`);
}
function fail(line) {
  process.stderr.write(`kickbench setup: ${line}\n`);
  process.exit(1);
}
function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) fail(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) fail(`${[cmd, ...argv].join(' ')} failed with status ${r.status}`);
}

// 1. Debian packages, from the one list in scripts/debian-packages.txt.
function ensureDebianPackages() {
  const missing = missingDebianPackages(debianPackages({ includeTestOnly: forTests }));
  if (missing === null) {
    say('dpkg-query not found: not a Debian system, skipping the package check');
    return;
  }
  if (missing.length === 0) return;
  const line = `sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (checkOnly) fail(`missing Debian packages; run: ${line}`);
  if (process.getuid && process.getuid() !== 0) {
    process.stderr.write(`kickbench setup: missing Debian packages. Run this once, then try again:\n  ${line}\n`);
    process.exit(1);
  }
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

// Hash of every file under the given paths, to tell whether a build is stale.
function treeHash(paths) {
  const h = createHash('sha256');
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) walk(join(p, e));
    } else {
      h.update(relative(root, p));
      h.update(readFileSync(p));
    }
  };
  for (const p of paths) walk(join(root, p));
  return h.digest('hex');
}

function upToDate(stampName, hash, outputs) {
  const stamp = join(root, 'build', stampName);
  return outputs.every((o) => existsSync(join(root, o))) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash;
}
function markBuilt(stampName, hash) {
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(join(root, 'build', stampName), hash);
}

// 2. npm dependencies.
function ensureNpmDeps() {
  const lock = join(root, 'package-lock.json');
  const installedLock = join(root, 'node_modules/.package-lock.json');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  const stamp = join(root, 'node_modules/.kickbench-lock-hash');
  if (existsSync(installedLock) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  if (checkOnly) fail('npm dependencies are not installed; run: npm ci');
  say('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, hash);
}

// node-gyp would download Node's headers, which these machines cannot reach:
// point it at the headers installed beside this node binary when they exist.
function nodeHeadersArgs() {
  const fromNpm = process.env.npm_config_nodedir;
  if (fromNpm) return [`--nodedir=${fromNpm}`];
  const prefix = join(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include/node/node_api.h'))) return [`--nodedir=${prefix}`];
  return [];
}

// 3. Native build: the VMM core, kickvmm, the addon, the native unit tests, the probe guest.
function ensureNativeBuild() {
  const hash = treeHash(['binding.gyp', 'native']);
  const outputs = ['build/Release/kickvmm', 'build/Release/kickvmm_addon.node', 'build/probe.elf'];
  if (upToDate('.native-stamp', hash, outputs)) return;
  if (checkOnly) fail('the native build is missing or stale; run: npm run build:native');
  say('building the native VMM, addon and probe guest');
  const gyp = join(root, 'node_modules/.bin/node-gyp');
  run(gyp, ['rebuild', '-j', '2', ...nodeHeadersArgs()]);
  run('make', ['-s', '-C', 'native/guest']);
  markBuilt('.native-stamp', hash);
}

// 4. TypeScript.
function ensureTsBuild() {
  const hash = treeHash(['tsconfig.json', 'harness']);
  if (upToDate('.ts-stamp', hash, ['dist/harness/cli.js'])) return makeBinsExecutable(root);
  if (checkOnly) fail('the TypeScript build is missing or stale; run: npm run build:ts');
  say('compiling the harness (tsc)');
  run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json']);
  makeBinsExecutable(root);
  markBuilt('.ts-stamp', hash);
}

// 5. Guest assets (kernel, initramfs with bonnie++, pristine ext4 disk): content-addressed cache.
function ensureAssets() {
  run(process.execPath, [join(root, 'dist/harness/cli.js'), 'setup', '--quiet']);
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) fail(`Node ${process.versions.node} is too old; kickbench needs Node 20 or newer`);
ensureDebianPackages();
ensureNpmDeps();
ensureNativeBuild();
ensureTsBuild();
if (withAssets) ensureAssets();
