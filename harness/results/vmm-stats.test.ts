import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { paths, repoRoot } from '../paths.js';
import { parseVmmStats, vmmStatsProblem, vmmStatsSchema, zeroVmmStats } from './vmm-stats.js';

/** Every key path a zod schema declares ("exits.io"); a record is one leaf; optional ones apart. */
function schemaKeys(schema: z.ZodType, prefix = ''): { required: string[]; optional: string[] } {
  const out = { required: [] as string[], optional: [] as string[] };
  if (!(schema instanceof z.ZodObject)) return out;
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const optional = field instanceof z.ZodOptional;
    const inner = optional ? (field as z.ZodOptional<z.ZodType>).unwrap() : field;
    (optional ? out.optional : out.required).push(prefix + key);
    const sub = schemaKeys(inner, `${prefix}${key}.`);
    out[optional ? 'optional' : 'required'].push(...sub.required, ...sub.optional);
  }
  return out;
}

/** Every key path of a JSON object, records of counters ("kvm", "ioExitsByPort") not descended into. */
function jsonKeys(v: unknown, prefix = ''): string[] {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return [];
  return Object.entries(v).flatMap(([k, x]) =>
    k === 'kvm' || k === 'ioExitsByPort' ? [prefix + k] : [prefix + k, ...jsonKeys(x, `${prefix}${k}.`)],
  );
}

test('golden: the stats kickvmm writes match the TypeScript contract key for key', () => {
  const bin = paths.kickvmm();
  assert.ok(existsSync(bin), `${bin} is missing: the native build did not produce it`);
  const dir = mkdtempSync(join(tmpdir(), 'kb-stats-'));
  try {
    // A kernel that does not exist: kickvmm refuses before touching /dev/kvm and
    // still writes its --stats file (every counter zero), so no VM is needed.
    const statsPath = join(dir, 'stats.json');
    const r = spawnSync(
      bin,
      ['--kernel', join(dir, 'no-kernel'), '--disk', join(dir, 'no-disk'), '--mode', 'ioeventfd', '--stats', statsPath],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^kickvmm: .*no-kernel/);
    const text = readFileSync(statsPath, 'utf8');
    const written = jsonKeys(JSON.parse(text)).sort();
    const declared = schemaKeys(vmmStatsSchema);
    const known = new Set([...declared.required, ...declared.optional]);
    assert.deepEqual(
      written.filter((k) => !known.has(k)),
      [],
      'kickvmm writes keys the contract does not declare',
    );
    assert.deepEqual(
      declared.required.filter((k) => !written.includes(k)),
      [],
      'the contract requires keys kickvmm does not write',
    );
    const stats = parseVmmStats(text, statsPath);
    assert.equal(stats.mode, 'ioeventfd');
    assert.equal(stats.exitReason, 'error');
    assert.match(stats.exitDetail, /no-kernel/);
    assert.deepEqual({ ...stats, exitDetail: '' }, { ...zeroVmmStats('ioeventfd'), ...pickOptional(stats) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The optional (newer) fields a build writes, so the zero comparison holds with or without them. */
function pickOptional(s: Record<string, unknown>): Record<string, unknown> {
  const optional = schemaKeys(vmmStatsSchema).optional.filter((k) => !k.includes('.'));
  return Object.fromEntries(optional.filter((k) => k in s).map((k) => [k, s[k]]));
}

test('the stats parser says what is wrong, in one line naming the field', () => {
  assert.throws(() => parseVmmStats('{', 'x.stats.json'), { message: /^x\.stats\.json: not JSON/ });
  const bad = { ...zeroVmmStats('exit'), kicks: -1 };
  assert.throws(() => parseVmmStats(JSON.stringify(bad), 'x.stats.json'), { message: /^x\.stats\.json: kicks: / });
  const noExits: Record<string, unknown> = { ...zeroVmmStats('exit') };
  delete noExits.exits;
  assert.match(vmmStatsProblem(noExits) ?? '', /^exits: /);
  assert.match(vmmStatsProblem({ ...zeroVmmStats('exit'), mode: 'fast' }) ?? '', /^mode: /);
  assert.equal(vmmStatsProblem(zeroVmmStats('exit')), null);
});

test('fields a newer kickvmm adds are kept verbatim, the known optional ones checked', () => {
  const newer = {
    ...zeroVmmStats('inline'),
    armSemantics: 2,
    requestsServicedOn: { vcpu: 3, ioThread: 0 },
    ioExitsByPort: { '0x3f8': 12 },
    vcpuContextSwitches: { voluntary: 1, involuntary: 2 },
    somethingNew: 'kept',
  };
  assert.deepEqual(parseVmmStats(JSON.stringify(newer)), newer);
  assert.match(vmmStatsProblem({ ...newer, requestsServicedOn: { vcpu: 1 } }) ?? '', /^requestsServicedOn\.ioThread: /);
});

test('stats kickvmm wrote for real VMs in the nested rig read through the contract', () => {
  const dir = join(repoRoot(), 'harness', 'results', 'fixtures', 'vmm-stats');
  for (const mode of ['exit', 'ioeventfd'] as const) {
    const s = parseVmmStats(readFileSync(join(dir, `rig-bonnie-${mode}.json`), 'utf8'), mode);
    assert.equal(s.mode, mode);
    assert.equal(s.exitReason, 'clean');
    assert.ok(s.kicks > 0 && s.requests.total > 0 && s.bytesWritten > 0);
  }
});
