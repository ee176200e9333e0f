import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticResultSet } from '../results/synthetic.js';
import { renderReport } from './index.js';
import { bonnieFileMiB, cacheChecks } from './cache.js';
import type { ResultSet } from '../results/schema.js';

/** The synthetic quick scenario writes a 768 MiB file; give its runs a guest of `memMiB` (MemTotal `memTotalMiB`). */
function withGuest(memMiB: number, memTotalMiB?: number): ResultSet {
  const rs = syntheticResultSet({ seed: 3, n: 3 });
  for (const s of rs.samples) s.guest = { memMiB, cpus: 2, ...(memTotalMiB ? { memTotalMiB } : {}) };
  return rs;
}

test('bonnie++ file sizes: MiB, G suffix, chunk part ignored, none for -s 0', () => {
  assert.equal(bonnieFileMiB(['-s', '768']), 768);
  assert.equal(bonnieFileMiB(['-s', '2g:8k']), 2048);
  assert.equal(bonnieFileMiB(['-s', '0']), null);
  assert.equal(bonnieFileMiB(['-d', 'x']), null);
});

test('a run whose file is under twice the guest RAM is marked cache-affected in every format', async () => {
  const rs = withGuest(512); // 768 MiB < 2 x 512 MiB
  const checks = cacheChecks(rs, rs.samples);
  assert.equal(checks.length, rs.samples.filter((s) => s.status === 'ok').length);
  assert.ok(checks.every((c) => c.fileAtLeastTwiceRam === false && c.guestMemMiB === 512 && c.fileMiB === 768));
  const text = await renderReport(rs, { format: 'text', color: false });
  assert.match(text, /!!! CACHE-AFFECTED: \d+ of \d+ bonnie\+\+ run\(s\) of quick/);
  assert.match(text, /quick\/exit\/1 +512 MiB \(configured\) +768 MiB +no +cache-affected/);
  const md = await renderReport(rs, { format: 'md' });
  assert.match(md, /\| 512 MiB \(configured\) \| 768 MiB \| no \| cache-affected \|/);
  const html = await renderReport(rs, { format: 'html' });
  assert.match(html, /class="[^"]*cache-affected[^"]*">cache-affected</);
  const csv = (await renderReport(rs, { format: 'csv' })).trimEnd().split('\n');
  const header = csv[0].split(',');
  const row = csv[1].split(',');
  assert.equal(row[header.indexOf('guest_mem_mib')], '512');
  assert.equal(row[header.indexOf('file_size_mib')], '768');
  assert.equal(row[header.indexOf('file_ge_2x_ram')], 'false');
  assert.equal(row[header.indexOf('cache_affected')], 'true');
});

test("the guest's MemTotal decides when recorded; without any RAM record nothing is claimed", async () => {
  const rs = withGuest(512, 300); // 768 >= 2 x 300
  assert.ok(cacheChecks(rs, rs.samples).every((c) => c.fileAtLeastTwiceRam === true && c.ramMiB === 300));
  const text = await renderReport(rs, { format: 'text', color: false });
  assert.doesNotMatch(text, /cache-affected/i);
  assert.match(text, /300 MiB \(MemTotal; 512 MiB configured\) +768 MiB +yes +disk/);
  const unknown = syntheticResultSet({ seed: 3, n: 3 });
  const c = cacheChecks(unknown, unknown.samples);
  assert.ok(c.every((x) => x.fileAtLeastTwiceRam === null));
  assert.match(await renderReport(unknown, { format: 'text', color: false }), /not judged \(guest RAM not recorded\)/);
});
