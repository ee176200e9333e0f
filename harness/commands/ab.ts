// kickbench ab: one command for a VMM change's A/B. kickvmm is built at both
// revisions (cached by commit), then base and head run interleaved in one run
// on one host, each in both kick modes, so host drift falls on both alike.
// The verdict is compare's, with compare's exit statuses.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { abSides } from '../ab/split.js';
import { buildKickvmmAt, BuildError, defaultAbCache, type BuiltKickvmm } from '../ab/build.js';
import { resolveScenario, ScenarioError, type Scenario } from '../scenarios/scenario.js';
import { runScenarios } from '../runner/run.js';
import { Progress } from '../runner/progress.js';
import { writeResultsAtomic } from '../results/io.js';
import { compareRuns } from '../stats/index.js';
import { renderCompare, compareExitCode } from '../report/compare-report.js';
import { renderJUnit } from '../report/junit.js';
import { gateExitCode } from '../report/gate-cases.js';
import { renderCompactMarkdown } from '../report/compact-md.js';
import { paths, repoRoot } from '../paths.js';
import { defaultScenario } from './run.js';
import { CliError } from './errors.js';
import { PLACE_REQUESTS, type PlaceRequest } from '../launch/place.js';

interface AbArgs {
  scenario: string[];
  base: string;
  head?: string;
  kickvmm?: string;
  'base-kickvmm'?: string;
  repo?: string;
  cache?: string;
  out?: string;
  repetitions?: number;
  warmup?: number;
  seed: number;
  where: PlaceRequest;
  threshold: number;
  alpha: number;
  format: 'text' | 'md' | 'json' | 'junit';
  junit?: string;
  summary?: string;
  quiet: boolean;
  'rig-batch': number;
}

const USAGE = 2;

function prebuilt(path: string, flag: string, rev: string): BuiltKickvmm {
  if (!existsSync(path)) throw new CliError(`${flag} ${path}: no such file`, USAGE);
  return { rev, commit: rev, kickvmm: resolve(path), built: false, buildSeconds: 0 };
}

export const abCommand: CommandModule<object, AbArgs> = {
  command: 'ab [scenario..]',
  describe:
    'A/B of two kickvmm builds: build both revisions (cached), run them interleaved in one run, compare ' +
    '(exit 0 pass, 1 regression, 2 usage, 3 cannot judge)',
  builder: (y) =>
    y
      .positional('scenario', {
        type: 'string',
        array: true,
        default: ['default'],
        describe: 'scenario names or JSON files; "default" = seed on hardware KVM, quick elsewhere',
      })
      .option('base', { type: 'string', demandOption: true, describe: 'git revision of the baseline build' })
      .option('head', {
        type: 'string',
        describe: 'git revision of the candidate build (default HEAD; with --kickvmm, only its label)',
      })
      .option('kickvmm', {
        type: 'string',
        describe: 'a prebuilt kickvmm to use as head instead of building --head',
      })
      .option('base-kickvmm', {
        type: 'string',
        describe: 'a prebuilt kickvmm to use as base instead of building --base',
      })
      .option('repo', { type: 'string', describe: 'the git repository to build from (default: this checkout)' })
      .option('cache', { type: 'string', describe: 'build cache (default ~/.cache/kickbench/ab/<commit>)' })
      .option('out', { type: 'string', describe: 'output directory (default results/<time>-ab)' })
      .option('repetitions', { alias: 'n', type: 'number', describe: 'samples per build and mode' })
      .option('warmup', { alias: 'w', type: 'number', describe: 'discarded warm-up samples per build and mode' })
      .option('seed', { type: 'number', default: 1, describe: 'seed for the bootstrap' })
      .option('where', {
        choices: PLACE_REQUESTS,
        default: 'auto' as PlaceRequest,
        describe: 'local KVM, or the nested rig',
      })
      .option('threshold', { type: 'number', default: 5, describe: 'regressions smaller than this (%) pass' })
      .option('alpha', { type: 'number', default: 0.05, describe: 'significance level after Holm correction' })
      .option('format', {
        choices: ['text', 'md', 'json', 'junit'] as const,
        default: 'text' as const,
        describe: 'text for a terminal, md for a PR comment, json (schemas/), junit XML for CI test views',
      })
      .option('junit', { type: 'string', describe: 'also write JUnit XML here' })
      .option('summary', {
        type: 'string',
        describe: 'also append the compact Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY")',
      })
      .option('rig-batch', { type: 'number', default: 8, describe: 'nested rig only: samples per outer-guest boot' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress lines' })
      .example('$0 ab --base origin/main --head HEAD quick -n 8', 'did this branch slow the kick path?')
      .example('$0 ab --base main --kickvmm build/Release/kickvmm doorbell', 'head = the binary already built'),
  handler: async (argv) => {
    const progress = new Progress(process.stderr, argv.quiet);
    for (const [flag, v, min] of [
      ['--repetitions', argv.repetitions, 1],
      ['--warmup', argv.warmup, 0],
    ] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < min))
        throw new CliError(`${flag} must be an integer >= ${min}`, USAGE);
    }
    if (!(argv.threshold >= 0)) throw new CliError('--threshold must be a non-negative percentage', USAGE);
    const names = [...argv.scenario];
    const d = names.indexOf('default');
    if (d >= 0) names[d] = (await defaultScenario(argv.where)).name;
    let scenarios: Scenario[];
    try {
      scenarios = names.map(resolveScenario);
    } catch (e) {
      if (e instanceof ScenarioError) throw new CliError(e.message, USAGE);
      throw e;
    }

    const repo = resolve(argv.repo ?? repoRoot());
    const cacheDir = resolve(argv.cache ?? defaultAbCache());
    const started = Date.now();
    let base: BuiltKickvmm, head: BuiltKickvmm;
    try {
      const build = (rev: string) => buildKickvmmAt(repo, rev, { cacheDir, log: (l) => progress.note(l) });
      base = argv['base-kickvmm'] ? prebuilt(argv['base-kickvmm'], '--base-kickvmm', argv.base) : build(argv.base);
      head = argv.kickvmm ? prebuilt(argv.kickvmm, '--kickvmm', argv.head ?? 'prebuilt') : build(argv.head ?? 'HEAD');
    } catch (e) {
      if (e instanceof BuildError) throw new CliError(e.message, USAGE);
      throw e;
    }
    if (base.kickvmm === head.kickvmm)
      progress.note(`base and head are the same build (${base.commit.slice(0, 12)}): this is an A/A of the builds`);
    const buildSeconds = (Date.now() - started) / 1000;

    const stamp = new Date()
      .toISOString()
      .replace(/[:.]/g, '-')
      .replace(/-\d\d\dZ$/, 'Z');
    const outDir = resolve(argv.out ?? join(paths.results(), `${stamp}-ab-${scenarios.map((s) => s.name).join('+')}`));
    progress.note(`writing ${join(outDir, 'results.json')}`);
    const runStarted = Date.now();
    const rs = await runScenarios({
      scenarios,
      outDir,
      seed: argv.seed,
      repetitions: argv.repetitions,
      warmup: argv.warmup,
      where: argv.where,
      progress,
      rigBatch: argv['rig-batch'],
      builds: [
        { label: 'base', kickvmm: base.kickvmm },
        { label: 'head', kickvmm: head.kickvmm },
      ],
    });
    rs.builds = {
      base: { rev: base.rev, commit: base.commit },
      head: { rev: head.rev, commit: head.commit },
    };
    writeResultsAtomic(join(outDir, 'results.json'), rs);
    const runSeconds = (Date.now() - runStarted) / 1000;

    const sides = abSides(rs, join(outDir, 'results.json'));
    const comparison = compareRuns(sides.base, sides.head, { thresholdPct: argv.threshold, alpha: argv.alpha });
    const exitCode = gateExitCode(comparison, argv.threshold, compareExitCode(comparison, argv.threshold));
    const short = (b: BuiltKickvmm) => (b.commit === b.rev ? b.rev : `${b.rev} (${b.commit.slice(0, 12)})`);
    const places = [...new Set(rs.samples.map((s) => s.where))].join(', ');
    const context = [
      `base ${short(base)} vs head ${short(head)}; ${scenarios.map((s) => s.name).join(', ')}; ` +
        `interleaved in one run on ${Object.keys(rs.hosts).join(', ')} (${places})`,
      `builds ${buildSeconds.toFixed(0)} s, run ${runSeconds.toFixed(0)} s`,
    ];
    const title = 'kickbench ab';
    const junit = () =>
      renderJUnit(comparison, {
        name: title,
        thresholdPct: argv.threshold,
        properties: { base: base.commit, head: head.commit, where: places },
      });
    const compact = () =>
      renderCompactMarkdown(comparison, { title, thresholdPct: argv.threshold, exitCode, context, hosts: rs.hosts });
    writeFileSync(join(outDir, 'junit.xml'), junit());
    writeFileSync(join(outDir, 'summary.md'), compact());
    if (argv.junit) writeOutput(argv.junit, junit());
    if (argv.summary) writeOutput(argv.summary, compact(), true);
    if (argv.format === 'json')
      process.stdout.write(`${JSON.stringify({ exitCode, builds: rs.builds, ...comparison }, null, 2)}\n`);
    else if (argv.format === 'junit') process.stdout.write(junit());
    else if (argv.format === 'md') process.stdout.write(compact());
    else {
      process.stdout.write(`${context.join('\n')}\n`);
      process.stdout.write(renderCompare(comparison, { format: 'text', thresholdPct: argv.threshold }));
    }
    const failed = rs.samples.filter((s) => s.status === 'failed');
    if (failed.length) progress.note(`${failed.length} sample(s) failed (first: ${failed[0].id}: ${failed[0].error})`);
    process.exitCode = exitCode;
  },
};

export function writeOutput(file: string, text: string, append = false): void {
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, text, { flag: append ? 'a' : 'w' });
}
