// PNG charts with Chart.js on node-canvas: per metric, the median of each arm
// as a bar with a 95% CI whisker and every run as a point (strip plot), with one
// comparison line per arm against the baseline; per scenario, the kick-path
// counters per MiB for each arm.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { ResultSet } from '../results/schema.js';
import type { Analysis, MetricComparison, ScenarioAnalysis } from '../stats/index.js';
import { counterRows } from './counters.js';
import { fmtPct, pEq } from './numbers.js';
import { whereNote } from './place-notes.js';
import { ciPctRange } from './model.js';

export interface ChartImage {
  /** file name, e.g. "quick-put_block.png" */
  name: string;
  scenario: string;
  /** what the chart shows, for alt text and captions */
  title: string;
  png: Buffer;
  width: number;
  height: number;
}

export const CHART_WIDTH = 760;
export const CHART_HEIGHT = 420;

const ARM_COLOURS: Record<string, string> = {
  exit: '#d9773a',
  ioeventfd: '#3a7dd9',
  inline: '#8a5ad9',
  A: '#8a8a8a',
  B: '#5a9a5a',
};
const colourOf = (arm: string, i: number) => ARM_COLOURS[arm] ?? ['#8a5ad9', '#5ab4b4', '#b45a5a'][i % 3];

/** Exact, distribution-free CI of a median from order statistics (binomial tail); min..max when n is too small. */
export function medianCI(values: number[], level = 0.95): { low: number; high: number; coverage: number } | null {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n < 2) return null;
  // P(X < k) for X ~ Bin(n, 1/2): pick the widest symmetric rank pair (k, n-1-k) with coverage >= level.
  const pmf: number[] = [];
  let c = Math.pow(0.5, n);
  for (let i = 0; i <= n; i++) {
    pmf.push(c);
    c = (c * (n - i)) / (i + 1);
  }
  // Ranks k and n-1-k (0-based) cover the median with probability 1 - 2 P(X <= k); take the
  // narrowest pair that still reaches `level` (k = 0, min..max, when none does).
  let best = { k: 0, coverage: 1 - 2 * pmf[0] };
  let cdf = 0;
  for (let k = 0; k <= n - 1 - k; k++) {
    cdf += pmf[k];
    const coverage = 1 - 2 * cdf;
    if (coverage < level) break;
    best = { k, coverage };
  }
  return { low: s[best.k], high: s[n - 1 - best.k], coverage: best.coverage };
}

interface Whisker {
  x: number;
  low: number;
  high: number;
}

/** Draws vertical error bars; given through options.plugins.whiskers.items. */
const whiskerPlugin: Plugin = {
  id: 'whiskers',
  afterDatasetsDraw(chart, _args, options) {
    const items = ((options as { items?: Whisker[] }).items ?? []) as Whisker[];
    const { ctx } = chart;
    const x = chart.scales.x;
    const y = chart.scales.y;
    ctx.save();
    ctx.strokeStyle = '#1b1b1b';
    ctx.lineWidth = 2;
    for (const w of items) {
      const px = x.getPixelForValue(w.x);
      const lo = y.getPixelForValue(w.low);
      const hi = y.getPixelForValue(w.high);
      ctx.beginPath();
      ctx.moveTo(px, lo);
      ctx.lineTo(px, hi);
      ctx.moveTo(px - 9, lo);
      ctx.lineTo(px + 9, lo);
      ctx.moveTo(px - 9, hi);
      ctx.lineTo(px + 9, hi);
      ctx.stroke();
    }
    ctx.restore();
  },
};

let canvasSingleton: ChartJSNodeCanvas | null = null;
function canvas(): ChartJSNodeCanvas {
  canvasSingleton ??= new ChartJSNodeCanvas({ width: CHART_WIDTH, height: CHART_HEIGHT, backgroundColour: 'white' });
  return canvasSingleton;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** One metric, every arm: `comparisons` are each non-baseline arm against the same baseline. */
function metricChartConfig(comparisons: MetricComparison[], whereText: string | null): ChartConfiguration {
  const m = comparisons[0];
  const arms = [m.base, ...comparisons.map((c) => c.treat)];
  const labels = arms.map((a) => a.label);
  const points = arms.flatMap((a, i) =>
    // Deterministic jitter (golden-ratio steps) so runs with equal values stay visible.
    a.values.map((v, j) => ({ x: i + (((j * 0.618034) % 1) - 0.5) * 0.36, y: v })),
  );
  const whiskers: Whisker[] = [];
  arms.forEach((a, i) => {
    const ci = medianCI(a.values);
    if (ci) whiskers.push({ x: i, low: ci.low, high: ci.high });
  });
  const sub = comparisons.map((c) => {
    const ciText = ciPctRange(c);
    const verdict = c.verdict ?? 'not compared';
    return (
      `${c.treat.label} vs ${c.base.label}: ${fmtPct(c.changePct)}${ciText ? ` (95% CI ${ciText})` : ''}, ` +
      `${pEq(c.pAdjusted, 'p(Holm)')}: ${verdict.toUpperCase()}`
    );
  });
  sub.push(
    `bars: median; whiskers: 95% CI of each median (order statistics); dots: individual runs (n=${arms.map((a) => a.n).join('/')}); ${m.direction} is better`,
  );
  if (whereText) sub.push(whereText);
  return {
    type: 'bar',
    data: {
      datasets: [
        {
          type: 'bar',
          label: 'median',
          data: arms.map((a, i) => ({ x: i, y: a.median ?? 0 })),
          backgroundColor: arms.map((a, i) => colourOf(a.label, i) + 'aa'),
          borderColor: arms.map((a, i) => colourOf(a.label, i)),
          borderWidth: 1,
          barPercentage: 0.9,
          categoryPercentage: 0.9,
        },
        {
          type: 'scatter',
          label: 'individual runs',
          data: points,
          backgroundColor: 'rgba(20,20,20,0.75)',
          pointRadius: 3.5,
        },
      ],
    } as ChartConfiguration['data'],
    options: {
      animation: false,
      responsive: false,
      scales: {
        x: {
          type: 'linear',
          min: -0.6,
          max: arms.length - 0.4,
          grid: { display: false },
          ticks: { stepSize: 1, callback: (v) => labels[Number(v)] ?? '' },
        },
        y: { beginAtZero: true, title: { display: true, text: m.unit || m.metric } },
      },
      plugins: {
        title: { display: true, text: `${m.scenario}: ${m.metric} (${m.label})`, font: { size: 16 } },
        subtitle: { display: true, text: sub, color: whereText ? '#a00000' : '#333' },
        legend: { position: 'bottom' },
        // Registered below; Chart.js passes this object to the plugin as its options.
        ...({ whiskers: { items: whiskers } } as object),
      },
    },
    plugins: [whiskerPlugin],
  };
}

function countersChartConfig(
  scenario: string,
  rs: ResultSet,
  arms: string[],
  whereText: string | null,
): ChartConfiguration | null {
  const keys = [
    'kicks_per_mib',
    'io_path_exits_per_mib',
    'io_exits_per_mib',
    'eventfd_wakeups_per_mib',
    'interrupts_per_mib',
    'vcpu_voluntary_switches_per_mib',
    'vcpu_involuntary_switches_per_mib',
  ];
  const perArm = arms.map((arm) => counterRows(rs.samples.filter((s) => s.scenario === scenario && s.arm === arm)));
  const rows = keys.filter((k) => perArm.some((rows) => rows.find((r) => r.key === k)?.value !== null));
  if (rows.length === 0) return null;
  const labelOf = (k: string) => perArm[0].find((r) => r.key === k)?.label ?? k;
  return {
    type: 'bar',
    data: {
      labels: rows.map(labelOf),
      datasets: arms.map((arm, i) => ({
        label: `${arm} (median per run)`,
        data: rows.map((k) => perArm[i].find((r) => r.key === k)?.value ?? 0),
        backgroundColor: colourOf(arm, i) + 'cc',
        borderColor: colourOf(arm, i),
        borderWidth: 1,
      })),
    },
    options: {
      animation: false,
      responsive: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: 'per MiB moved' } } },
      plugins: {
        title: { display: true, text: `${scenario}: kick path per MiB moved (VMM counters)`, font: { size: 16 } },
        subtitle: { display: whereText !== null, text: whereText ?? '', color: '#a00000' },
        legend: { position: 'bottom' },
      },
    },
  };
}

/**
 * All charts for one host's run set. `analyses` holds one analysis per
 * non-baseline arm (each against the same baseline): one chart per metric shows
 * every arm, with one comparison line per arm.
 */
export async function renderCharts(
  analyses: Analysis | Analysis[],
  rs: ResultSet,
  opts: { prefix?: string } = {},
): Promise<ChartImage[]> {
  const out: ChartImage[] = [];
  const prefix = opts.prefix ? `${safeName(opts.prefix)}-` : '';
  const all = Array.isArray(analyses) ? analyses : [analyses];
  const scenarioNames = [...new Set(all.flatMap((a) => a.scenarios.map((g) => g.scenario)))];
  for (const scenario of scenarioNames) {
    // Only the pairs whose treatment arm ran in this scenario.
    const groups = all
      .map((a) => a.scenarios.find((g) => g.scenario === scenario))
      .filter((g): g is ScenarioAnalysis => g !== undefined && g.metrics.some((m) => m.treat.n > 0));
    if (groups.length === 0) continue;
    const env = Object.values(rs.hosts)[0];
    const notHw = groups[0].where.map((w) => whereNote(w, env)).find((n) => n !== null) ?? null;
    const whereText = notHw ? notHw.split(':')[0] + ': correctness and direction only, not hardware performance' : null;
    const metrics = [
      ...new Set(groups.flatMap((g) => g.metrics.filter((m) => m.status === 'ok').map((m) => m.metric))),
    ];
    for (const metric of metrics) {
      const comparisons = groups
        .map((g) => g.metrics.find((m) => m.metric === metric && m.status === 'ok'))
        .filter((m): m is MetricComparison => m !== undefined);
      const png = await canvas().renderToBuffer(metricChartConfig(comparisons, whereText));
      const verdicts = comparisons.map((m) => `${m.treat.label} vs ${m.base.label}: ${m.verdict ?? 'n/a'}`);
      out.push({
        name: `${prefix}${safeName(scenario)}-${safeName(metric)}.png`,
        scenario,
        title: `${scenario}: ${metric}, ${verdicts.join('; ')}`,
        png,
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
      });
    }
    const g = groups[0];
    const cfg = countersChartConfig(g.scenario, rs, [g.baseLabel, ...groups.map((x) => x.treatLabel)], whereText);
    if (cfg) {
      const png = await canvas().renderToBuffer(cfg);
      out.push({
        name: `${prefix}${safeName(g.scenario)}-counters.png`,
        scenario: g.scenario,
        title: `${g.scenario}: kicks, io exits, eventfd wake-ups and interrupts per MiB, per arm`,
        png,
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
      });
    }
  }
  return out;
}

/** Renders the charts and writes them into `dir`; returns the paths written. */
export async function writeCharts(
  analysis: Analysis | Analysis[],
  rs: ResultSet,
  dir: string,
  opts: { prefix?: string } = {},
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const images = await renderCharts(analysis, rs, opts);
  return images.map((img) => {
    const file = join(dir, img.name);
    writeFileSync(file, img.png);
    return file;
  });
}

// ---------------------------------------------------------------------------
// The overview forest plot: one row per primary hypothesis, its ratio (point)
// and interval (bar), the ±threshold band shaded and 1.0 marked.

export interface ForestItem {
  label: string;
  ratio: number | null;
  ci: { low: number; high: number } | null;
  verdict: string;
  direction: 'higher' | 'lower';
}

const VERDICT_COLOURS: Record<string, string> = {
  improved: '#1b7e2a',
  regressed: '#c62828',
  'no change': '#555555',
  inconclusive: '#b07d00',
};

/** Every primary metric of a report model, in report order (with host and arm pair when there are several). */
export function forestItems(model: {
  hosts: {
    host: string;
    scenarios: {
      scenario: string;
      comparisons: { baselineArm: string; treatmentArm: string; rows: MetricComparison[] }[];
    }[];
  }[];
}): ForestItem[] {
  const multiHost = model.hosts.length > 1;
  const multiArm = model.hosts.some((h) => h.scenarios.some((s) => s.comparisons.length > 1));
  return model.hosts.flatMap((h) =>
    h.scenarios.flatMap((sec) =>
      sec.comparisons.flatMap((cmp) =>
        cmp.rows
          .filter((m) => m.role === 'primary')
          .map((m) => ({
            label:
              `${multiHost ? `${h.host}: ` : ''}${sec.scenario}` +
              `${multiArm ? ` ${cmp.treatmentArm}/${cmp.baselineArm}` : ''} ${m.metric}` +
              `${m.direction === 'lower' ? ' (lower better)' : ''}`,
            ratio: m.ratio,
            ci: m.ci ? { low: m.ci.low, high: m.ci.high } : null,
            verdict: m.verdict ?? 'n/a',
            direction: m.direction,
          })),
      ),
    ),
  );
}

interface ForestRow {
  y: number;
  low: number;
  high: number;
  lowOpen: boolean;
  highOpen: boolean;
  colour: string;
}

const forestPlugin: Plugin = {
  id: 'forest',
  beforeDatasetsDraw(chart, _args, options) {
    const o = options as { band?: [number, number]; rows?: ForestRow[] };
    const { ctx, chartArea } = chart;
    const x = chart.scales.x;
    const y = chart.scales.y;
    ctx.save();
    if (o.band) {
      const x0 = x.getPixelForValue(o.band[0]);
      const x1 = x.getPixelForValue(o.band[1]);
      ctx.fillStyle = 'rgba(120,160,220,0.18)';
      ctx.fillRect(x0, chartArea.top, x1 - x0, chartArea.bottom - chartArea.top);
    }
    const one = x.getPixelForValue(1);
    ctx.strokeStyle = '#222';
    ctx.lineWidth = 1.5;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(one, chartArea.top);
    ctx.lineTo(one, chartArea.bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    for (const r of o.rows ?? []) {
      const py = y.getPixelForValue(r.y);
      const lo = x.getPixelForValue(r.low);
      const hi = x.getPixelForValue(r.high);
      ctx.strokeStyle = r.colour;
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.moveTo(lo, py);
      ctx.lineTo(hi, py);
      for (const [px, open, dir] of [
        [lo, r.lowOpen, -1],
        [hi, r.highOpen, 1],
      ] as const) {
        if (open) {
          // an arrow: the interval goes on beyond the axis (a +++++ run made the bound infinite)
          ctx.moveTo(px - dir * 8, py - 6);
          ctx.lineTo(px, py);
          ctx.lineTo(px - dir * 8, py + 6);
        } else {
          ctx.moveTo(px, py - 7);
          ctx.lineTo(px, py + 7);
        }
      }
      ctx.stroke();
    }
    ctx.restore();
  },
};

/** The forest plot as a PNG. */
export async function renderForest(
  items: ForestItem[],
  thresholdPct: number,
  notHardware: boolean,
): Promise<ChartImage> {
  const t = thresholdPct / 100;
  const finite = items
    .flatMap((i) => [i.ratio, i.ci?.low, i.ci?.high])
    .filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v));
  const lowest = Math.min(1 - 2 * t, ...finite);
  const highest = Math.max(1 + 2 * t, ...finite);
  const pad = (highest - lowest) * 0.06;
  const [xmin, xmax] = [Math.max(0, lowest - pad), highest + pad];
  const clip = (v: number) => Math.min(xmax, Math.max(xmin, v));
  const rows: ForestRow[] = [];
  items.forEach((it, i) => {
    if (!it.ci) return;
    rows.push({
      y: i,
      low: clip(it.ci.low),
      high: clip(it.ci.high),
      lowOpen: it.ci.low < xmin,
      highOpen: it.ci.high > xmax,
      colour: VERDICT_COLOURS[it.verdict] ?? '#777',
    });
  });
  const labels = items.map((it) => `${it.label}: ${it.verdict}${it.ci ? '' : ' (no interval)'}`);
  const height = 130 + 36 * items.length;
  const width = 1000;
  const config: ChartConfiguration = {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'ratio (Hodges-Lehmann, treatment / baseline)',
          data: items.map((it, i) => ({ x: it.ratio === null ? NaN : clip(it.ratio), y: i })),
          backgroundColor: items.map((it) => VERDICT_COLOURS[it.verdict] ?? '#777'),
          pointRadius: 6,
          pointStyle: 'rectRot',
        },
      ],
    },
    options: {
      animation: false,
      responsive: false,
      scales: {
        x: {
          type: 'linear',
          min: xmin,
          max: xmax,
          title: { display: true, text: `ratio (1.0 = no change; shaded: \u00b1${thresholdPct}% threshold)` },
        },
        y: {
          type: 'linear',
          min: -0.7,
          max: items.length - 0.3,
          reverse: true,
          afterBuildTicks: (axis) => {
            axis.ticks = items.map((_, i) => ({ value: i }));
          },
          ticks: { callback: (v) => labels[Number(v)] ?? '', autoSkip: false },
          grid: { display: false },
        },
      },
      plugins: {
        title: { display: true, text: 'Primary hypotheses: ratio and 95% interval', font: { size: 16 } },
        subtitle: {
          display: true,
          text: notHardware
            ? 'NOT HARDWARE: emulator or nested-rig timings; correctness and direction only'
            : 'bars: exact Mann-Whitney-inverted 95% interval; colour: verdict',
          color: notHardware ? '#a00000' : '#333',
        },
        legend: { display: false },
        ...({ forest: { band: [1 - t, 1 + t], rows } } as object),
      },
    },
    plugins: [forestPlugin],
  };
  const png = await new ChartJSNodeCanvas({ width, height, backgroundColour: 'white' }).renderToBuffer(config);
  return {
    name: 'overview-forest.png',
    scenario: '',
    title:
      `Overview: ${items.length} primary hypothes${items.length === 1 ? 'is' : 'es'}, ratio with its 95% interval; ` +
      `shaded band \u00b1${thresholdPct}%, dashed line 1.0`,
    png,
    width,
    height,
  };
}
