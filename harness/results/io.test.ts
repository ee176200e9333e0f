import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
    await writeResultsAtomic(file, rs);
    assert.deepEqual(await readResults(file), rs);
    assert.deepEqual(readdirSync(dir), ['results.json']);
    // Overwrite in place.
    const rs2 = syntheticResultSet({ seed: 8, n: 2 });
    await writeResultsAtomic(file, rs2);
    assert.deepEqual(await readResults(file), rs2);
    assert.deepEqual(readdirSync(dir), ['results.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a concurrent reader only ever sees a whole file', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'results.json');
    // Large sets (several hundred KiB) so a non-atomic write would be caught mid-way.
    const sets = [1, 2, 3, 4].map((seed) => syntheticResultSet({ seed, n: 60, probe: true }));
    await writeResultsAtomic(file, sets[0]);
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await fs.readFile(file, 'utf8');
        const parsed = JSON.parse(text); // throws on a torn file
        validateResults(parsed, file);
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let round = 0; round < 12; round++) await writeResultsAtomic(file, sets[round % sets.length]);
    writing = false;
    await reader;
    assert.ok(reads > 0);
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
    await writeResultsAtomic(file, rs);
    const bad = structuredClone(rs) as unknown as { samples: { wallSeconds: unknown }[] };
    bad.samples[0].wallSeconds = 'soon';
    await assert.rejects(writeResultsAtomic(file, bad as never), /wallSeconds/);
    assert.deepEqual(await readResults(file), rs);
    // Rename over a directory fails: the temp file must not be left behind.
    const target = join(dir, 'adir');
    await fs.mkdir(join(target, 'x'), { recursive: true });
    await assert.rejects(writeResultsAtomic(target, rs), /cannot write/);
    assert.deepEqual(readdirSync(dir).sort(), ['adir', 'results.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('read errors name the file and the field', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'r.json');
    await assert.rejects(readResults(file), (e: Error) => e instanceof ResultsError && e.message === `${file}: cannot read: no such file`);
    await fs.writeFile(file, '{"schema": ');
    await assert.rejects(readResults(file), new RegExp(`${file}: not valid JSON`));

    const rs = syntheticResultSet({ seed: 3, n: 2 });
    const write = (o: unknown) => fs.writeFile(file, JSON.stringify(o));

    await write({ ...rs, schema: 'other/thing' });
    await assert.rejects(readResults(file), /r\.json: schema: expected "kickbench\/results"/);

    await write({ ...rs, version: RESULTS_SCHEMA_VERSION + 1 });
    await assert.rejects(readResults(file), /written with results schema version 2.*upgrade kickbench/);

    const m = structuredClone(rs);
    (m.samples[1].metrics.put_block as { value: unknown }).value = null;
    await write(m);
    await assert.rejects(readResults(file), (e: Error) => {
      assert.match(e.message, /^.*r\.json: samples\[1\] \(quick\/ioeventfd\/0\)\.metrics\.put_block\.value: expected a finite number, got null$/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });

    const tf = structuredClone(rs);
    tf.samples[0].metrics.seeks.value = 12;
    await write(tf);
    await assert.rejects(readResults(file), /metrics\.seeks\.value: expected null when status is "too_fast", got number 12/);

    const h = structuredClone(rs);
    h.samples[2].host = 'elsewhere';
    (h.samples[3] as { mode: string }).mode = 'fast';
    await write(h);
    await assert.rejects(readResults(file), /samples\[2\] \(quick\/ioeventfd\/1\)\.host: "elsewhere" is not a key of hosts \(and 1 more problem\)$/);

    const d = structuredClone(rs);
    d.samples[1].id = d.samples[0].id;
    await write(d);
    await assert.rejects(readResults(file), /duplicate sample id/);

    const sc = structuredClone(rs);
    sc.samples[0].scenario = 'nope';
    await write(sc);
    await assert.rejects(readResults(file), /scenario: "nope" is not listed in scenarios/);

    await write({ ...rs, samples: undefined });
    await assert.rejects(readResults(file), /r\.json: samples: expected an array, got nothing$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown extra fields are accepted (compatible additions)', () => {
  const rs = syntheticResultSet({ seed: 4, n: 2 }) as unknown as Record<string, unknown>;
  rs.futureField = { anything: true };
  assert.doesNotThrow(() => validateResults(rs));
});
