// kickbench ab: kickvmm built at a git revision, in a throw-away worktree,
// cached by the commit's native sources (~/.cache/kickbench/ab/<key>/kickvmm,
// key = the git tree of binding.gyp and native/), so a CI job that compares
// against the same base again, or a commit that changed no native code, builds
// nothing.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { repoRoot } from '../paths.js';

export class BuildError extends Error {
  override name = 'BuildError';
}

export interface BuiltKickvmm {
  /** the revision as given (e.g. "main", "HEAD~1") */
  rev: string;
  commit: string;
  kickvmm: string;
  /** false when the binary came from the cache */
  built: boolean;
  buildSeconds: number;
}

export function defaultAbCache(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kickbench', 'ab');
}

function git(repo: string, args: string[]): string {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  if (r.error) throw new BuildError(`git: ${r.error.message}`);
  if (r.status !== 0) throw new BuildError(`git ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return r.stdout.trim();
}

/** The full commit id a revision names in `repo`; one-line error when it names none. */
export function resolveCommit(repo: string, rev: string): string {
  if (!existsSync(repo)) throw new BuildError(`--repo ${repo}: no such directory`);
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    throw new BuildError(`${rev}: not a commit in ${repo}`);
  }
}

/** What the build depends on at `commit`: a hash of the git trees of binding.gyp and native/. */
export function sourceKey(repo: string, commit: string): string {
  const trees = ['binding.gyp', 'native'].map((p) => git(repo, ['rev-parse', `${commit}:${p}`]));
  return createHash('sha256').update(trees.join('\n')).digest('hex').slice(0, 40);
}

/** node-gyp must not download Node's headers: use the ones installed beside this node (as setup.mjs does). */
function nodedirArgs(): string[] {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include/node/node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function step(cmd: string, args: string[], cwd: string, logFile: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`, { flag: 'a' });
  if (r.error || r.status !== 0) {
    const last = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter(Boolean).pop() ?? r.error?.message;
    throw new BuildError(`${cmd} ${args[0] ?? ''} failed: ${last ?? `status ${r.status}`} (log: ${logFile})`);
  }
}

/**
 * kickvmm at `rev` of `repo`: from the cache, or built in a detached worktree
 * (only the kickvmm target: its static core and the executable), then cached.
 */
export function buildKickvmmAt(
  repo: string,
  rev: string,
  opts: { cacheDir?: string; log?: (line: string) => void } = {},
): BuiltKickvmm {
  const started = Date.now();
  const commit = resolveCommit(repo, rev);
  const key = sourceKey(repo, commit);
  const dir = join(opts.cacheDir ?? defaultAbCache(), key);
  const binary = join(dir, 'kickvmm');
  if (existsSync(binary)) {
    opts.log?.(`${rev} (${commit.slice(0, 12)}): kickvmm from the cache (same native sources), ${binary}`);
    return { rev, commit, kickvmm: binary, built: false, buildSeconds: 0 };
  }
  mkdirSync(dir, { recursive: true });
  const work = join(dir, `src.${process.pid}`);
  const logFile = join(dir, 'build.log');
  rmSync(work, { recursive: true, force: true });
  opts.log?.(`${rev} (${commit.slice(0, 12)}): building kickvmm in a worktree (log: ${logFile})`);
  git(repo, ['worktree', 'add', '--detach', '--force', work, commit]);
  try {
    // binding.gyp asks node for node-addon-api's include path: let it find ours.
    const env = { ...process.env, NODE_PATH: join(repoRoot(), 'node_modules') };
    const gyp = join(repoRoot(), 'node_modules/.bin/node-gyp');
    step(gyp, ['configure', ...nodedirArgs()], work, logFile, env);
    step('nice', ['make', '-C', 'build', '-j2', 'kickvmm'], work, logFile, env);
    const built = join(work, 'build/Release/kickvmm');
    if (!existsSync(built)) throw new BuildError(`the build at ${commit.slice(0, 12)} made no build/Release/kickvmm`);
    // Copy then rename: a concurrent job never sees half a binary in the cache.
    const tmp = `${binary}.${process.pid}.tmp`;
    copyFileSync(built, tmp);
    writeFileSync(join(dir, 'built-from'), `${commit}\n`);
    renameSync(tmp, binary);
  } finally {
    spawnSync('git', ['-C', repo, 'worktree', 'remove', '--force', work]);
    rmSync(work, { recursive: true, force: true });
    spawnSync('git', ['-C', repo, 'worktree', 'prune']);
  }
  const buildSeconds = (Date.now() - started) / 1000;
  opts.log?.(`${rev} (${commit.slice(0, 12)}): built in ${buildSeconds.toFixed(0)} s`);
  return { rev, commit, kickvmm: binary, built: true, buildSeconds };
}
