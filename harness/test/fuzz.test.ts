// The virtio-blk fuzz target (native/fuzz): built with clang (libFuzzer,
// ASan, UBSan) and run from the committed seed corpus for a bounded time.
// Any finding (crash, sanitizer report, a device write outside the used
// ring and the chains' writable buffers) fails the test.
// KICKBENCH_FUZZ_SECONDS sets the duration (default 60; 15 with KICKBENCH_UNIT_ONLY).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';

const defaultSeconds = process.env.KICKBENCH_UNIT_ONLY ? 15 : 60;

function fuzzSeconds(): number {
  const raw = process.env.KICKBENCH_FUZZ_SECONDS;
  if (raw === undefined || raw === '') return defaultSeconds;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`KICKBENCH_FUZZ_SECONDS must be a whole number of seconds >= 1, not "${raw}"`);
  return n;
}

test('virtio-blk fuzz target: no finding from the seed corpus within the time budget', (t) => {
  if (spawnSync('clang++', ['--version']).error)
    return t.skip('clang++ is not installed (Debian package clang, see scripts/debian-packages.txt)');
  const seconds = fuzzSeconds();
  const root = repoRoot();
  const build = spawnSync('nice', ['make', '-s', '-j2', '-C', join(root, 'native/fuzz')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(build.status, 0, `building the fuzz target failed:\n${build.stdout}\n${build.stderr}`);
  const seeds = join(root, 'native/fuzz/corpus/virtio_blk');
  assert.ok(readdirSync(seeds).length > 0, 'the seed corpus is empty');
  const work = mkdtempSync(join(tmpdir(), 'kb-fuzz-'));
  const r = spawnSync(
    join(root, 'build/fuzz/virtio_blk_fuzz'),
    [
      `-max_total_time=${seconds}`,
      '-timeout=10',
      '-rss_limit_mb=2048',
      '-print_final_stats=1',
      `-artifact_prefix=${work}/`,
      work,
      seeds,
    ],
    { encoding: 'utf8', timeout: (seconds + 120) * 1000 },
  );
  const log = r.stderr ?? '';
  const artifacts = existsSync(work) ? readdirSync(work).filter((f) => /^(crash|leak|timeout|oom)-/.test(f)) : [];
  assert.equal(
    r.status,
    0,
    `fuzzing found something (artifacts in ${work}: ${artifacts.join(', ')}):\n${log.slice(-6000)}`,
  );
  assert.deepEqual(artifacts, [], `fuzzer left artifacts in ${work}`);
  const runs = Number(log.match(/stat::number_of_executed_units:\s*(\d+)/)?.[1] ?? 0);
  assert.ok(runs > 0, `the fuzzer reported no executions:\n${log.slice(-2000)}`);
  rmSync(work, { recursive: true, force: true });
  t.diagnostic(
    `${runs} executions in ${seconds} s (${log.match(/stat::average_exec_per_sec:\s*(\d+)/)?.[1] ?? '?'}/s)`,
  );
});
