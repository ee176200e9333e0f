import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults, writeResultsAtomic, validateResults, ResultsError } from './io.js';
import { syntheticResultSet } from './synthetic.js';
import { RESULTS_SCHEMA_VERSION } from './schema.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'kickbench-io-'));
}

test('write then read returns the same set and leaves no temp files', async () => {
  const dir = tmp();
  try {
    const rs = syntheticResultSet({ seed: 7, n: 3, probe: true });
    const file = join(dir, 'results.json');
    writeResultsAtomic(file, rs);
    assert.deepEqual(readResults(file), rs);
    assert.deepEqual(readdirSync(dir), ['results.json']);
    // Overwrite in place.
    const rs2 = syntheticResultSet({ seed: 8, n: 2 });
    writeResultsAtomic(file, rs2);
    assert.deepEqual(readResults(file), rs2);
    assert.deepEqual(readdirSync(dir), ['results.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The reader runs in a worker thread so it truly reads while the main thread writes.
const READER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const flag = new Int32Array(workerData.stop);
let reads = 0, torn = 0, firstTorn = '';
while (Atomics.load(flag, 0) === 0) {
  const text = fs.readFileSync(workerData.file, 'utf8');
  try {
    const o = JSON.parse(text);
    if (o.schema !== 'kickbench/results' || !Array.isArray(o.samples)) throw new Error('bad shape');
  } catch (e) { torn++; if (!firstTorn) firstTorn = String(e.message) + ' at length ' + text.length; }
  reads++;
}
parentPort.postMessage({ reads, torn, firstTorn });
`;

test('a concurrent reader only ever sees a whole file', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'results.json');
    // Large sets (several hundred KiB) so a non-atomic write would be caught mid-way.
    const sets = [1, 2, 3, 4].map((seed) => syntheticResultSet({ seed, n: 60, probe: true }));
    writeResultsAtomic(file, sets[0]);
    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(READER, { eval: true, workerData: { file, stop } });
    const done = new Promise<{ reads: number; torn: number; firstTorn: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await new Promise((r) => worker.once('online', r));
    for (let round = 0; round < 40; round++) writeResultsAtomic(file, sets[round % sets.length]);
    Atomics.store(new Int32Array(stop), 0, 1);
    const result = await done;
    assert.ok(result.reads > 0);
    assert.equal(result.torn, 0, `reader saw a partial file: ${result.firstTorn}`);
    assert.deepEqual(readdirSync(dir), ['results.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed write keeps the old file and removes its temp file', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'results.json');
    const rs = syntheticResultSet({ seed: 1, n: 2 });
    writeResultsAtomic(file, rs);
    const bad = structuredClone(rs) as unknown as { samples: { wallSeconds: unknown }[] };
    bad.samples[0].wallSeconds = 'soon';
    assert.throws(() => writeResultsAtomic(file, bad as never), /wallSeconds/);
    assert.deepEqual(readResults(file), rs);
    // Rename over a directory fails: the temp file must not be left behind.
    const target = join(dir, 'adir');
    mkdirSync(join(target, 'x'), { recursive: true });
    assert.throws(() => writeResultsAtomic(target, rs), /cannot write/);
    assert.deepEqual(readdirSync(dir).sort(), ['adir', 'results.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('read errors name the file and the field', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'r.json');
    assert.throws(
      () => readResults(file),
      (e: Error) => e instanceof ResultsError && e.message === `${file}: cannot read: no such file`,
    );
    await fs.writeFile(file, '{"schema": ');
    assert.throws(() => readResults(file), new RegExp(`${file}: not valid JSON`));

    const rs = syntheticResultSet({ seed: 3, n: 2 });
    const write = (o: unknown) => fs.writeFile(file, JSON.stringify(o));

    await write({ ...rs, schema: 'other/thing' });
    assert.throws(() => readResults(file), /r\.json: schema: expected "kickbench\/results"/);

    await write({ ...rs, version: RESULTS_SCHEMA_VERSION + 1 });
    assert.throws(() => readResults(file), /written with results schema version 2.*upgrade kickbench/);

    const m = structuredClone(rs);
    (m.samples[1].metrics.put_block as { value: unknown }).value = null;
    await write(m);
    assert.throws(
      () => readResults(file),
      (e: Error) => {
        assert.match(
          e.message,
          /^.*r\.json: samples\[1\] \(quick\/ioeventfd\/0\)\.metrics\.put_block\.value: expected a finite number, got null$/,
        );
        assert.ok(!e.message.includes('\n'));
        return true;
      },
    );

    const tf = structuredClone(rs);
    tf.samples[0].metrics.seeks.value = 12;
    await write(tf);
    assert.throws(
      () => readResults(file),
      /metrics\.seeks\.value: expected null when status is "too_fast", got number 12/,
    );

    const h = structuredClone(rs);
    h.samples[2].host = 'elsewhere';
    (h.samples[3] as { mode: string }).mode = 'fast';
    await write(h);
    assert.throws(
      () => readResults(file),
      /samples\[2\] \(quick\/ioeventfd\/1\)\.host: "elsewhere" is not a key of hosts \(and 1 more problem\)$/,
    );

    const d = structuredClone(rs);
    d.samples[1].id = d.samples[0].id;
    await write(d);
    assert.throws(() => readResults(file), /duplicate sample id/);

    const sc = structuredClone(rs);
    sc.samples[0].scenario = 'nope';
    await write(sc);
    assert.throws(() => readResults(file), /scenario: "nope" is not listed in scenarios/);

    await write({ ...rs, samples: undefined });
    assert.throws(() => readResults(file), /r\.json: samples: expected an array, got nothing$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown extra fields are accepted (compatible additions)', () => {
  const rs = syntheticResultSet({ seed: 4, n: 2 }) as unknown as Record<string, unknown>;
  rs.futureField = { anything: true };
  assert.doesNotThrow(() => validateResults(rs));
});
