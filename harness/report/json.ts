// `kickbench report --format json`: the report model as versioned data for
// other tools. The zod schema below is the source of the TypeScript type and
// of the published schemas/report.schema.json. Bump REPORT_SCHEMA_VERSION on
// any change an older reader would misread.

import { z } from 'zod';
import { metricInfo } from '../results/schema.js';
import type { MetricComparison } from '../stats/index.js';
import type { ReportModel } from './model.js';

export const REPORT_SCHEMA_ID = 'kickbench/report';
export const REPORT_SCHEMA_VERSION = 1;

const num = z.number().nullable();
const where = z.enum(['hardware', 'emulating', 'nested']);

const ArmSummarySchema = z.object({
  label: z.string(),
  n: z.int().min(0).describe('usable values: sample ok, not warm-up, metric ok'),
  median: num,
  mean: num,
  sd: num,
  min: num,
  max: num,
});

export const ReportMetricSchema = z.object({
  metric: z.string(),
  label: z.string(),
  unit: z.string(),
  direction: z.enum(['higher', 'lower']),
  family: z.enum(['primary', 'secondary']),
  status: z.enum(['ok', 'too_fast', 'not_run']),
  baseline: ArmSummarySchema.describe('the baseline arm (exit, or A in an A/A run)'),
  treatment: ArmSummarySchema.describe('the treatment arm (ioeventfd, or B)'),
  ratio: num.describe('median(treatment) / median(baseline)'),
  changePct: num,
  ci: z.object({ low: z.number(), high: z.number(), level: z.number() }).nullable().describe('CI of the ratio'),
  p: num.describe('two-sided Mann-Whitney p'),
  pAdjusted: num.describe('Holm-adjusted within its family'),
  verdict: z.enum(['improved', 'regressed', 'no change', 'inconclusive']).nullable(),
});

export const ReportScenarioSchema = z.object({
  scenario: z.string(),
  kind: z.enum(['bonnie', 'probe']),
  baselineArm: z.string(),
  arms: z.array(z.object({ arm: z.string(), n: z.int().min(0) })).describe('every arm that ran, baseline first'),
  comparisons: z
    .array(
      z.object({
        treatmentArm: z.string(),
        metrics: z.array(ReportMetricSchema),
        notCompared: z.array(z.string()),
        problem: z.string().nullable(),
      }),
    )
    .describe('one per non-baseline arm, each against the baseline'),
  tooFast: z.array(z.string()).describe('bonnie++ printed +++++ in every run: too fast to measure, not 0'),
  failedSamples: z.array(z.object({ id: z.string(), error: z.string().nullable() })),
  problem: z.string().nullable().describe('why there is no comparison at all, if there is none'),
});

export const ReportJsonSchema = z
  .object({
    schema: z.literal(REPORT_SCHEMA_ID),
    version: z.literal(REPORT_SCHEMA_VERSION),
    generatedAt: z.string(),
    aa: z.boolean().describe('an A/A (noise floor) run'),
    thresholdPct: z.number(),
    alpha: z.number(),
    warnings: z.array(z.string()).describe('not-hardware notes: these timings are not hardware numbers'),
    hosts: z.array(
      z.object({
        host: z.string(),
        where: z.array(where),
        environment: z.array(z.tuple([z.string(), z.string()])),
        scenarios: z.array(ReportScenarioSchema),
      }),
    ),
  })
  .meta({
    title: 'kickbench report',
    description: 'kickbench report --format json: statistics per host and scenario.',
  });
export type ReportJson = z.infer<typeof ReportJsonSchema>;

function arm(s: MetricComparison['base']): z.infer<typeof ArmSummarySchema> {
  return { label: s.label, n: s.n, median: s.median, mean: s.mean, sd: s.sd, min: s.min, max: s.max };
}

function metric(m: MetricComparison): z.infer<typeof ReportMetricSchema> {
  return {
    metric: m.metric,
    label: m.label,
    unit: m.unit,
    direction: m.direction,
    family: metricInfo(m.metric).family,
    status: m.status,
    baseline: arm(m.base),
    treatment: arm(m.treat),
    ratio: m.ratio,
    changePct: m.changePct,
    ci: m.ci ? { low: m.ci.low, high: m.ci.high, level: m.ci.level } : null,
    p: m.p,
    pAdjusted: m.pAdjusted,
    verdict: m.verdict,
  };
}

export function buildReportJson(model: ReportModel, now = new Date()): ReportJson {
  return {
    schema: REPORT_SCHEMA_ID,
    version: REPORT_SCHEMA_VERSION,
    generatedAt: now.toISOString(),
    aa: model.aa,
    thresholdPct: model.thresholdPct,
    alpha: model.alpha,
    warnings: model.warnings,
    hosts: model.hosts.map((h) => ({
      host: h.host,
      where: h.where,
      environment: h.environment,
      scenarios: h.scenarios.map((s) => ({
        scenario: s.scenario,
        kind: s.kind,
        baselineArm: s.baselineArm,
        arms: s.arms.map((a) => ({ arm: a.arm, n: a.n })),
        comparisons: s.comparisons.map((c) => ({
          treatmentArm: c.treatmentArm,
          metrics: (c.analysis?.metrics ?? []).map(metric),
          notCompared: c.notCompared,
          problem: c.problem,
        })),
        tooFast: s.tooFast,
        failedSamples: s.failed.map((f) => ({ id: f.id, error: f.error ?? null })),
        problem: s.problem,
      })),
    })),
  };
}

/** JSON text of the report; checked against its own schema so a drift fails loudly, not downstream. */
export function renderReportJson(model: ReportModel): string {
  return `${JSON.stringify(ReportJsonSchema.parse(buildReportJson(model)), null, 2)}\n`;
}
