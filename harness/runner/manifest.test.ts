import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveScenario } from '../scenarios/scenario.js';
import { MANIFEST_FILE, readManifest, recordedSettings, writeManifest, type RecordedRunSettings } from './manifest.js';

test('run.json keeps every recorded setting, and only those, for --resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-manifest-'));
  try {
    const settings: Required<RecordedRunSettings> = {
      seed: 7,
      order: 'random',
      aaMode: 'ioeventfd',
      repetitions: 3,
      warmup: 1,
      where: 'nested',
      vmmLabel: 'abc123',
      keepDisks: true,
      rigBatch: 4,
      untilDecided: { maxN: 12, alpha: 0.05 },
    };
    const { file: _file, ...probe } = resolveScenario('doorbell');
    const options = { ...settings, outDir: dir, force: true, guestCpus: 2, scenarios: [probe] };
    writeManifest(dir, { kickbenchRun: 1, scenarios: [probe], ...recordedSettings(options) });
    const m = readManifest(dir);
    assert.deepEqual(recordedSettings(m), settings, 'every setting comes back as it was');
    assert.equal('force' in m || 'guestCpus' in m || 'outDir' in m, false, 'nothing else is recorded');
    assert.equal(m.scenarios[0].name, 'doorbell');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run.json that is not a manifest is refused in one line naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-manifest-'));
  try {
    assert.throws(() => readManifest(dir), /run\.json: missing, so this run cannot be resumed/);
    writeFileSync(join(dir, MANIFEST_FILE), '{"kickbenchRun": 2}');
    assert.throws(() => readManifest(dir), /run\.json: not a kickbench run manifest/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
