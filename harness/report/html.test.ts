// Opens the HTML report in Debian's headless chromium and checks, from the
// page itself, that the tables and chart images are there and rendered.
// The input is a synthetic fixture (seeded PRNG) with real statistics
// computed on it; it is not a measurement and the page says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from './html.js';
import { syntheticResultSet } from '../results/synthetic.js';
import { analyze } from '../stats/index.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

function pngSize(buf: Buffer): { width: number; height: number } {
  assert.ok(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('HTML report is self-contained', async () => {
  const rs = syntheticResultSet({ seed: 61, n: 4, probe: true, where: 'nested' });
  const html = await renderHtml(rs, { resamples: 500 });
  assert.ok(!/(src|href)\s*=\s*["']?(https?:|\/\/)/i.test(html), 'no external src/href');
  assert.ok(!/url\(/i.test(html), 'no CSS url()');
  assert.ok(!/<script/i.test(html), 'no scripts needed');
  assert.ok(html.includes('NESTED RIG: nested-rig timings: correctness and direction only, not hardware performance'));
  const images = html.match(/<img src="data:image\/png;base64,/g) ?? [];
  assert.ok(images.length > 0);
  assert.ok(html.includes('<script') === false);
  // Markup injected through a results file is escaped.
  const evil = syntheticResultSet({ seed: 62, n: 3 });
  evil.hosts['synthetic-fixture'].cpuModel = '<img src=x onerror=alert(1)>';
  assert.ok(!(await renderHtml(evil, { resamples: 200 })).includes('<img src=x'));
});

test(
  'HTML report renders in headless chromium: tables, charts, warning',
  { timeout: 180_000, skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` },
  async () => {
    const { chromium } = await import('playwright-core');
    const dir = mkdtempSync(join(tmpdir(), 'kickbench-html-'));
    const profile = mkdtempSync(join(tmpdir(), 'kickbench-chromium-profile-'));
    try {
      const rs = syntheticResultSet({ seed: 63, n: 8, probe: true, where: 'nested' });
      const opts = { resamples: 2000 };
      const analysis = analyze(rs, opts);
      const comparedMetrics = analysis.scenarios.flatMap((g) => g.metrics.filter((m) => m.status === 'ok'));
      const file = join(dir, 'report.html');
      writeFileSync(file, await renderHtml(rs, opts));

      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
        viewport: { width: 1280, height: 900 },
      });
      const outside: string[] = [];
      try {
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
          outside.push(url);
          return route.abort();
        });
        const page = await context.newPage();
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        const facts = await page.evaluate(() => {
          const imgs = [...document.querySelectorAll('img')];
          const text = (sel: string) => [...document.querySelectorAll(sel)].map((e) => e.textContent ?? '');
          return {
            title: document.title,
            warning: text('.warn').join('\n'),
            deltaTables: document.querySelectorAll('.delta table').length,
            deltaRows: document.querySelectorAll('.delta tbody tr').length,
            verdictCells: text(
              '.delta td.v-improved, .delta td.v-regressed, .delta td.v-no-change, .delta td.v-inconclusive',
            ),
            bonnie: text('pre.bonnie'),
            envRows: text('.environment td'),
            counters: document.querySelectorAll('.counters table').length,
            rawRows: document.querySelectorAll('details tbody tr').length,
            images: imgs.map((i) => ({
              complete: i.complete,
              w: i.naturalWidth,
              h: i.naturalHeight,
              shownW: i.getBoundingClientRect().width,
              alt: i.alt,
            })),
            bodyWidth: document.body.scrollWidth,
          };
        });
        assert.match(facts.title, /^kickbench report: quick, doorbell/);
        assert.match(
          facts.warning,
          /NESTED RIG: nested-rig timings: correctness and direction only, not hardware performance/,
        );
        assert.equal(facts.deltaTables, 2);
        assert.equal(facts.deltaRows, comparedMetrics.length);
        assert.equal(facts.verdictCells.length, comparedMetrics.length);
        assert.ok(facts.verdictCells.includes('improved'));
        assert.equal(facts.bonnie.length, 2);
        assert.match(facts.bonnie[0], /^Version {2}1\.96 /);
        assert.match(facts.bonnie[0], /exit-med +768M/);
        assert.ok(facts.envRows.includes('where it ran') && facts.envRows.includes('nested'));
        assert.equal(facts.counters, 2);
        assert.equal(facts.rawRows, rs.samples.length);
        // one chart per compared metric, one counters chart per scenario, and the overview forest plot
        assert.equal(facts.images.length, comparedMetrics.length + analysis.scenarios.length + 1);
        assert.match(facts.images[0].alt, /^Overview: 4 primary hypotheses, ratio with its 95% interval/);
        for (const img of facts.images) {
          assert.ok(img.complete && img.w > 0 && img.h > 0, `image decoded: ${JSON.stringify(img)}`);
          assert.ok(img.shownW > 100, 'image laid out at a readable size');
        }
        assert.ok(facts.bodyWidth <= 1280, `page fits the window width (${facts.bodyWidth}px)`);
        const shot = await page.screenshot({ fullPage: true });
        const size = pngSize(shot);
        assert.equal(size.width, 1280);
        assert.ok(size.height > 900, `full page is taller than the viewport (${size.height})`);
        assert.ok(shot.length > 50_000, `screenshot has content (${shot.length} bytes)`);
        if (process.env.KICKBENCH_SCREENSHOT) writeFileSync(process.env.KICKBENCH_SCREENSHOT, shot);
        assert.deepEqual(outside, [], 'the page asked for nothing outside itself');
      } finally {
        await context.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  },
);
