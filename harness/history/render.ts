// history show: a table per (scenario, host, place) with a text chart of the
// ratio's CI per commit, and a self-contained HTML page with SVG trend charts.

import { fmtNum } from '../report/numbers.js';
import { whereNote } from '../report/place-notes.js';
import type { Place } from '../results/schema.js';
import type { Estimate, TrendGroup } from './trend.js';

const est = (e: Estimate | null | undefined, digits = 3): string =>
  !e
    ? 'n/a'
    : `${fmtNum(e.value, digits)}${e.low !== null && e.high !== null ? ` [${fmtNum(e.low, digits)}, ${fmtNum(e.high, digits)}]` : ''}`;

/** "|   [===*==]      |": where the ratio and its CI sit between the lowest and highest shown. */
function bar(e: Estimate | null, lo: number, hi: number, width = 24): string {
  if (!e) return ' '.repeat(width + 2);
  const pos = (v: number) => Math.max(0, Math.min(width - 1, Math.round(((v - lo) / (hi - lo || 1)) * (width - 1))));
  const cells = Array<string>(width).fill(' ');
  if (e.low !== null && e.high !== null) for (let i = pos(e.low); i <= pos(e.high); i++) cells[i] = '=';
  cells[pos(e.value)] = '*';
  return `|${cells.join('')}|`;
}

export function renderHistoryText(groups: TrendGroup[], metric: string): string {
  if (groups.length === 0) return `no recorded values of ${metric}\n`;
  const out: string[] = [];
  for (const g of groups) {
    const arms = [g.baselineArm, g.treatmentArm];
    const ends = g.points.flatMap((p) =>
      p.ratio ? [p.ratio.low ?? p.ratio.value, p.ratio.high ?? p.ratio.value] : [],
    );
    const lo = Math.min(...ends, 1);
    const hi = Math.max(...ends, 1);
    out.push(`${metric}: ${g.scenario} on ${g.hostname} (${g.place})`);
    const note = whereNote(g.place as Place);
    if (note) out.push(`  ${note}`);
    out.push(
      [
        `  ${'commit'.padEnd(12)}  runs`,
        arms.map((a) => `${a} median [95% CI]`.padEnd(30)).join('  '),
        `${g.treatmentArm}/${g.baselineArm} [95% CI]`.padEnd(26),
        `${fmtNum(lo)}..${fmtNum(hi)}`,
      ].join('  '),
    );
    for (const p of g.points) {
      out.push(
        [
          `  ${p.commit.slice(0, 12).padEnd(12)}  ${String(p.runs).padStart(4)}`,
          arms.map((a) => `${est(p.medians[a])} n=${p.n[a] ?? 0}`.padEnd(30)).join('  '),
          est(p.ratio).padEnd(26),
          bar(p.ratio, lo, hi),
        ].join('  '),
      );
    }
    out.push('');
  }
  out.push('Commits in the order first recorded; runs of one commit pooled. CIs: percentile bootstrap, 95%.');
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One SVG line chart with CI whiskers; series = named estimates per commit. */
function svgChart(
  title: string,
  commits: string[],
  series: { name: string; colour: string; points: (Estimate | null)[] }[],
): string {
  const W = 640;
  const H = 240;
  const L = 70;
  const B = 40;
  const T = 24;
  const vals = series.flatMap((s) =>
    s.points.flatMap((p) => (p ? [p.value, p.low ?? p.value, p.high ?? p.value] : [])),
  );
  if (vals.length === 0) return `<p>${esc(title)}: no values</p>`;
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (lo === hi) [lo, hi] = [lo * 0.95, hi * 1.05 || 1];
  const x = (i: number) => L + (commits.length === 1 ? (W - L - 20) / 2 : (i * (W - L - 20)) / (commits.length - 1));
  const y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const parts = [
    `<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`,
    `<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/><line x1="${L}" y1="${H - B}" x2="${W - 10}" y2="${H - B}" stroke="#888"/>`,
    `<text x="${L - 6}" y="${y(hi) + 4}" font-size="11" text-anchor="end">${esc(fmtNum(hi))}</text>`,
    `<text x="${L - 6}" y="${y(lo) + 4}" font-size="11" text-anchor="end">${esc(fmtNum(lo))}</text>`,
    ...commits.map(
      (c, i) => `<text x="${x(i)}" y="${H - B + 16}" font-size="11" text-anchor="middle">${esc(c.slice(0, 8))}</text>`,
    ),
  ];
  series.forEach((s, k) => {
    const pts = s.points.map((p, i) => (p ? [x(i), y(p.value)] : null)).filter((p): p is number[] => p !== null);
    parts.push(
      `<polyline class="series" fill="none" stroke="${s.colour}" stroke-width="2" points="${pts.map((p) => p.join(',')).join(' ')}"/>`,
    );
    s.points.forEach((p, i) => {
      if (!p) return;
      if (p.low !== null && p.high !== null)
        parts.push(
          `<line class="ci" x1="${x(i)}" y1="${y(p.low)}" x2="${x(i)}" y2="${y(p.high)}" stroke="${s.colour}"/>`,
        );
      parts.push(
        `<circle class="point" cx="${x(i)}" cy="${y(p.value)}" r="3.5" fill="${s.colour}"><title>${esc(`${s.name} ${commits[i]}: ${est(p)}`)}</title></circle>`,
      );
    });
    parts.push(`<text x="${W - 150}" y="${16 + 14 * k}" font-size="11" fill="${s.colour}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function renderHistoryHtml(groups: TrendGroup[], metric: string): string {
  const sections = groups.map((g) => {
    const commits = g.points.map((p) => p.commit);
    const note = whereNote(g.place as Place);
    return [
      `<section><h2>${esc(`${g.scenario} on ${g.hostname} (${g.place})`)}</h2>`,
      note ? `<p class="warn">${esc(note)}</p>` : '',
      svgChart(`${metric}: median per commit (95% CI)`, commits, [
        { name: g.baselineArm, colour: '#1f77b4', points: g.points.map((p) => p.medians[g.baselineArm] ?? null) },
        { name: g.treatmentArm, colour: '#d62728', points: g.points.map((p) => p.medians[g.treatmentArm] ?? null) },
      ]),
      svgChart(`${g.treatmentArm}/${g.baselineArm} ratio per commit (95% CI)`, commits, [
        { name: 'ratio', colour: '#2ca02c', points: g.points.map((p) => p.ratio) },
      ]),
      '</section>',
    ].join('\n');
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kickbench history: ${esc(metric)}</title>
<style>body{font:14px/1.4 sans-serif;margin:24px;max-width:720px}.warn{color:#a00;font-weight:bold}svg{display:block;margin:8px 0 20px}</style>
</head><body><h1>kickbench history: ${esc(metric)}</h1>
<p>Commits in the order first recorded; runs of one commit pooled; 95% percentile-bootstrap CIs.</p>
${sections.join('\n') || '<p>no recorded values</p>'}
</body></html>
`;
}
