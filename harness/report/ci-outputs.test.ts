// The machine-readable outputs a CI system reads: JUnit XML (checked with
// xmllint against schemas/junit.xsd), the report JSON (against the published
// schema, by ajv), and the compact Markdown summary (rendered like GitHub and
// measured in headless Chromium). Inputs are synthetic fixtures (seeded PRNG).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { marked } from 'marked';
import { syntheticResultSet } from '../results/synthetic.js';
import { compareRuns } from '../stats/index.js';
import { renderJUnit } from './junit.js';
import { renderCompactMarkdown } from './compact-md.js';
import { renderReport } from './index.js';
import { ReportJsonSchema } from './json.js';
import { committedValidator } from '../schemas/validator.js';
import { repoRoot } from '../paths.js';
import { gateCases } from './gate-cases.js';

const XSD = join(repoRoot(), 'schemas/junit.xsd');
const CHROMIUM = '/usr/bin/chromium';
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;

/** head's ioeventfd arm clearly slower than base's: a regression the gate must catch. */
function regressedComparison() {
  const base = syntheticResultSet({ seed: 11, n: 8, effect: 1.2 });
  const head = syntheticResultSet({ seed: 12, n: 8, effect: 0.8 });
  return { base, head, c: compareRuns(base, head, { resamples: 1000 }) };
}

function xmllint(xml: string): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kickbench-junit-'));
  try {
    const file = join(dir, 'junit.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('JUnit: one case per primary metric and arm; regression = failure, cannot judge = skipped with its reason', () => {
  const { c } = regressedComparison();
  const xml = renderJUnit(c, { name: 'kickbench compare <&>', timestamp: '2026-01-02T03:04:05.678Z' });
  const cases = gateCases(c);
  assert.equal((xml.match(/<testcase /g) ?? []).length, cases.length);
  assert.ok(
    cases.every((k) => k.m.metric !== 'wall_seconds'),
    'secondary metrics are not test cases',
  );
  assert.match(xml, /<failure message="regressed beyond 5%: [^"]*" type="regression">/);
  assert.match(xml, /<testcase name="put_block" classname="kickbench\.quick\.ioeventfd"[^>]*>\n\s*<failure/);
  assert.match(xml, /<testcase name="seeks"[^>]*>\n\s*<skipped message="cannot judge: bonnie\+\+ printed \+\+\+\+\+/);
  assert.match(xml, /name="kickbench compare &lt;&amp;&gt;"/);
  assert.match(xml, /failures="[1-9]\d*"/);
});

test(
  'JUnit validates against schemas/junit.xsd (and the check rejects a broken file)',
  { skip: hasXmllint ? false : 'xmllint is not installed (apt-get install libxml2-utils)' },
  () => {
    const { c } = regressedComparison();
    const xml = renderJUnit(c, { name: 'kickbench ab', properties: { base: 'abc', head: 'def' } });
    const good = xmllint(xml);
    assert.ok(good.ok, good.out);
    const broken = xmllint(xml.replace(/ classname="[^"]*"/, ''));
    assert.equal(broken.ok, false);
    assert.match(broken.out, /classname/);
  },
);

test('report --format json matches the published report schema', async () => {
  const rs = syntheticResultSet({ seed: 21, n: 5, probe: true, where: 'nested' });
  const json = JSON.parse(await renderReport(rs, { format: 'json', resamples: 500 }));
  const validate = committedValidator('report.schema.json');
  assert.equal(validate(json), true, JSON.stringify(validate.errors));
  assert.equal(json.version, 1);
  assert.match(json.warnings.join('\n'), /NESTED RIG/);
  const put = json.hosts[0].scenarios[0].comparisons[0].metrics.find(
    (m: { metric: string }) => m.metric === 'put_block',
  );
  assert.equal(put.family, 'primary');
  // The schema is not vacuous: a wrong field is rejected by ajv and by zod alike.
  const bad = structuredClone(json);
  bad.hosts[0].scenarios[0].comparisons[0].metrics[0].verdict = 'fine';
  assert.equal(validate(bad), false);
  assert.equal(ReportJsonSchema.safeParse(bad).success, false);
});

test('compact Markdown: verdict and primary metrics first, the rest folded, at most 60 lines for quick', () => {
  const { c, head } = regressedComparison();
  const md = renderCompactMarkdown(c, {
    title: 'kickbench ab',
    exitCode: 1,
    hosts: head.hosts,
    context: ['base a vs head b'],
  });
  const lines = md.trimEnd().split('\n');
  assert.ok(lines.length <= 60, `${lines.length} lines`);
  assert.match(lines[0], /^### 🔴 kickbench ab: regression beyond 5%/);
  const firstDetails = lines.findIndex((l) => l.startsWith('<details>'));
  const primaryRow = lines.findIndex((l) => l.startsWith('| put_block |'));
  assert.ok(primaryRow > 0 && primaryRow < firstDetails, 'primary metrics before any <details>');
  assert.ok(lines.findIndex((l) => l.startsWith('| wall_seconds |')) > firstDetails, 'secondary folded');
  assert.ok(md.includes('<details><summary>Environment</summary>'));
  assert.match(md, /\| put_block \| [^|]+ \| 🔴 /, 'the ioeventfd arm of put_block is marked regressed');
  assert.match(md, /\+\+\+\+\+ \(too fast to measure, cannot judge\): seeks/);
  // A comparison with nothing judgeable never reads as a pass.
  const pass = renderCompactMarkdown(c, { title: 'x', exitCode: 3 });
  assert.match(pass, /^### ❔ x: cannot judge/);
});

// GitHub renders Markdown into a 'markdown-body' column about 900px wide in a
// PR comment; tables there scroll sideways when too wide, hiding columns.
const GITHUB_LIKE_CSS = `
body { margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
.markdown-body { box-sizing: border-box; width: 880px; padding: 16px; }
.markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0; border-collapse: collapse; }
.markdown-body th, .markdown-body td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body sub { font-size: 75%; }
`;

test(
  'compact Markdown renders like GitHub without cut-off tables (headless Chromium)',
  { timeout: 180_000, skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` },
  async () => {
    const { chromium } = await import('playwright-core');
    const { c, head } = regressedComparison();
    const md = renderCompactMarkdown(c, {
      title: 'kickbench ab',
      exitCode: 1,
      hosts: head.hosts,
      context: [
        'base main (0123456789ab) vs head HEAD (fedcba987654); quick; interleaved in one run on host-a (hardware)',
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'kickbench-md-'));
    const profile = mkdtempSync(join(tmpdir(), 'kickbench-chromium-profile-'));
    try {
      const file = join(dir, 'summary.html');
      const body = await marked.parse(md, { gfm: true });
      writeFileSync(
        file,
        `<!doctype html><meta charset="utf-8"><style>${GITHUB_LIKE_CSS}</style><article class="markdown-body">${body}</article>`,
      );
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        viewport: { width: 900, height: 1000 },
      });
      try {
        const page = await context.newPage();
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        const facts = await page.evaluate(() => ({
          heading: document.querySelector('h3')?.textContent ?? '',
          tables: [...document.querySelectorAll('table')].map((t) => ({
            scroll: t.scrollWidth,
            client: t.clientWidth,
            visible: t.checkVisibility(),
          })),
          openDetails: document.querySelectorAll('details[open]').length,
          details: document.querySelectorAll('details').length,
          verdictCells: [...document.querySelectorAll('tbody td')].filter((td) => /🔴/.test(td.textContent ?? ''))
            .length,
        }));
        assert.match(facts.heading, /regression beyond 5%/);
        assert.ok(facts.tables.length >= 2);
        for (const t of facts.tables) assert.ok(t.scroll <= t.client, `a table is cut off: ${JSON.stringify(t)}`);
        assert.equal(facts.tables.filter((t) => t.visible).length, 1, 'only the primary table is unfolded');
        assert.equal(facts.openDetails, 0);
        assert.equal(facts.details, 2);
        assert.ok(facts.verdictCells > 0);
        if (process.env.KICKBENCH_SCREENSHOT)
          await page.screenshot({ path: process.env.KICKBENCH_SCREENSHOT, fullPage: true });
      } finally {
        await context.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  },
);
