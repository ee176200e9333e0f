import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCsv, CSV_COLUMNS } from './csv.js';
import { syntheticResultSet } from '../results/synthetic.js';

function parseLine(line: string): string[] {
  // The fixture has no quoted fields except none; csv-stringify quotes only when needed.
  return line.split(',');
}

test('CSV has the documented columns and one row per sample and metric', () => {
  const rs = syntheticResultSet({ seed: 11, n: 3, probe: true });
  const failed = structuredClone(rs.samples[0]);
  failed.id = 'quick/exit/failed';
  failed.status = 'failed';
  failed.error = 'VM timed out, after 300 s';
  failed.metrics = {};
  rs.samples.push(failed);
  const csv = renderCsv(rs);
  const lines = csv.trimEnd().split('\n');
  const header = parseLine(lines[0]);
  const documented =
    'host where scenario vmm mode arm sample order warmup status metric value unit metric_status cpu latency_us started_at';
  for (const col of documented.split(' ')) {
    assert.ok(header.includes(col), `missing column ${col}`);
  }
  assert.deepEqual(header, [...CSV_COLUMNS]);
  const expected = rs.samples.reduce((n, s) => n + Math.max(1, Object.keys(s.metrics).length), 0);
  assert.equal(lines.length - 1, expected);
  // The failed sample is present, with its error quoted (it contains a comma).
  const failedLine = lines.find((l) => l.includes('quick/exit/failed'))!;
  assert.ok(failedLine.includes('"VM timed out, after 300 s"'));
  // A too-fast metric has an empty value and its status.
  const seeks = lines.find((l) => l.includes(',seeks,'))!;
  const cells = parseLine(seeks);
  assert.equal(cells[header.indexOf('value')], '');
  assert.equal(cells[header.indexOf('metric_status')], 'too_fast');
  const put = parseLine(lines.find((l) => l.includes(',put_block,'))!);
  assert.ok(Number(put[header.indexOf('value')]) > 0);
  assert.equal(put[header.indexOf('warmup')], 'true');
});
