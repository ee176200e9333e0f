import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../stats/index.js';
import { renderCharts, writeCharts, medianCI, CHART_WIDTH, CHART_HEIGHT } from './charts.js';
import { syntheticResultSet } from '../results/synthetic.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngSize(buf: Buffer): { width: number; height: number } {
  assert.ok(buf.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('charts are PNGs of the stated size, one per compared metric plus counters', async () => {
  const rs = syntheticResultSet({ seed: 51, n: 6, probe: true });
  const analysis = analyze(rs, { resamples: 1000 });
  const images = await renderCharts(analysis, rs);
  const compared = analysis.scenarios.flatMap((g) => g.metrics.filter((m) => m.status === 'ok'));
  assert.equal(images.length, compared.length + analysis.scenarios.length);
  for (const img of images) {
    assert.deepEqual(pngSize(img.png), { width: CHART_WIDTH, height: CHART_HEIGHT });
    assert.ok(img.png.length > 5000, `${img.name} is not a blank image (${img.png.length} bytes)`);
  }
  assert.ok(images.some((i) => i.name === 'quick-put_block.png'));
  assert.ok(images.some((i) => i.name === 'quick-counters.png'));
});

test('writeCharts writes the files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kickbench-charts-'));
  try {
    const rs = syntheticResultSet({ seed: 52, n: 4 });
    const files = await writeCharts(analyze(rs, { resamples: 500 }), rs, dir);
    assert.deepEqual(readdirSync(dir).sort(), files.map((f) => f.slice(dir.length + 1)).sort());
    pngSize(readFileSync(files[0]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('median CI from order statistics', () => {
  const xs = Array.from({ length: 20 }, (_, i) => 20 - i); // 1..20, unsorted
  const ci = medianCI(xs)!;
  // Bin(20, 1/2): ranks 6..15 (1-based) give 95.9% coverage; 7..14 would give 88.5%.
  assert.deepEqual([ci.low, ci.high], [6, 15]);
  assert.ok(ci.coverage > 0.95 && ci.coverage < 0.96);
  // Too few runs for 95%: the full range, with its real coverage.
  const small = medianCI([3, 1, 2])!;
  assert.deepEqual([small.low, small.high], [1, 3]);
  assert.equal(small.coverage, 0.75);
  assert.equal(medianCI([1]), null);
});
