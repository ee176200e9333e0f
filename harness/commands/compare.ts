import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { readResults } from '../results/io.js';
import { compareRuns } from '../stats/index.js';
import { renderCompare, judge, GATE_EXIT } from '../report/compare-report.js';
import type { ResultSet } from '../results/schema.js';
import { mixedArmSemantics } from '../results/arms.js';
import { CliError } from './errors.js';
import { renderJUnit } from '../report/junit.js';
import { renderCompactMarkdown } from '../report/compact-md.js';
import { gateExitCode } from '../report/gate-cases.js';
import { defaultHistoryFile, History, HistoryError } from '../history/store.js';
import { historyBaseline, NOT_INTERLEAVED_NOTE } from '../history/baseline.js';
import { writeOutput } from './ab.js';

function againstHistory(run: ResultSet, source: string, last: number, db: string | undefined) {
  try {
    const h = History.open(db ?? defaultHistoryFile());
    try {
      return historyBaseline(h, run, last, source);
    } finally {
      h.close();
    }
  } catch (e) {
    if (e instanceof HistoryError) throw new CliError(e.message);
    throw e;
  }
}

interface CompareArgs {
  base: string;
  head?: string;
  'against-history': boolean;
  last: number;
  db?: string;
  junit?: string;
  summary?: string;
  threshold: number;
  alpha: number;
  format: 'text' | 'md' | 'json' | 'junit';
  'allow-mixed': boolean;
  'allow-incomplete': boolean;
  'allow-mixed-arm-semantics': boolean;
  seed?: number;
}

/** Unreadable or invalid input is an input error: exit 2, one line. */
function load(p: string): ResultSet {
  try {
    return readResults(resultsFile(p));
  } catch (e) {
    throw new CliError((e as Error).message.split('\n')[0], GATE_EXIT.usage);
  }
}

function resultsFile(p: string): string {
  return p.endsWith('.json') ? p : join(p, 'results.json');
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare <base> [head]',
  describe:
    'CI gate: compare two result sets (e.g. main vs a PR); exit 0 pass, 1 regression, 2 usage/input error, 3 cannot judge',
  builder: (y) =>
    y
      .positional('base', { type: 'string', demandOption: true, describe: 'baseline results.json (or its directory)' })
      .positional('head', { type: 'string', describe: 'candidate results.json (or its directory)' })
      .option('against-history', {
        type: 'boolean',
        default: false,
        describe:
          'compare the one run given with the last --last recorded runs of the same scenario, host and place (not interleaved with it)',
      })
      .option('last', { type: 'number', default: 5, describe: 'with --against-history: how many recorded runs' })
      .option('db', {
        type: 'string',
        describe: 'with --against-history: the history file (default results/history.sqlite)',
      })
      .option('junit', { type: 'string', describe: 'also write JUnit XML here' })
      .option('summary', {
        type: 'string',
        describe: 'also append the compact Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY")',
      })
      .option('threshold', {
        type: 'number',
        default: 5,
        describe: 'regressions smaller than this many percent do not fail the gate',
      })
      .option('alpha', {
        type: 'number',
        default: 0.05,
        describe: 'significance level, after Holm correction across metrics',
      })
      .option('format', {
        choices: ['text', 'md', 'json', 'junit'] as const,
        default: 'text' as const,
        describe: 'text for a terminal, md for a PR comment, json (schemas/), junit XML for CI test views',
      })
      .option('allow-mixed', {
        type: 'boolean',
        default: false,
        describe: 'compare even when base and head ran in different places or on different CPUs',
      })
      .option('allow-incomplete', {
        type: 'boolean',
        default: false,
        describe: 'judge interrupted or incomplete runs, or runs with failed samples, instead of exiting 3',
      })
      .option('seed', { type: 'number', describe: "seed for the bootstrap (default: base's recorded --seed)" })
      .option('allow-mixed-arm-semantics', {
        type: 'boolean',
        default: false,
        describe:
          "compare even when one file's exit arm serviced requests inline (arm semantics 1) and the other's handed them off (2)",
      })
      .example(
        '$0 compare results/main results/pr --threshold 5',
        'exit 1 if the PR regressed a primary metric by more than 5%; 3 if the runs cannot tell',
      )
      .epilog(
        'Exit status: 0 pass (no primary metric regressed, and a verdict was reachable); 1 regression; ' +
          '2 usage or input error; 3 cannot judge (underpowered, incomplete run, no common primary metrics, too many failed samples).',
      ),
  handler: (argv) => {
    if (!(argv.threshold >= 0)) throw new CliError('--threshold must be a non-negative percentage', GATE_EXIT.usage);
    if (!(argv.alpha > 0 && argv.alpha < 1)) throw new CliError('--alpha must be between 0 and 1', GATE_EXIT.usage);
    let base: ResultSet;
    let head: ResultSet;
    const notes: string[] = [];
    if (argv['against-history']) {
      if (argv.head) throw new CliError('--against-history takes one run: kickbench compare RUN --against-history', 2);
      head = load(argv.base);
      const fromHistory = againstHistory(head, resultsFile(argv.base), argv.last, argv.db);
      base = fromHistory.rs;
      notes.push(`${NOT_INTERLEAVED_NOTE} (recorded runs ${fromHistory.runIds.join(', ')})`);
    } else {
      if (!argv.head) throw new CliError('compare needs BASE and HEAD (or one run with --against-history)', 2);
      base = load(argv.base);
      head = load(argv.head);
    }
    // A gate only means something between like and like: the same place, the same kind of machine.
    const places = (rs: typeof base) => [...new Set(rs.samples.map((s) => s.where))].sort().join('+');
    const cpus = (rs: typeof base) => [...new Set(Object.values(rs.hosts).map((h) => h.cpuModel))].sort().join(' + ');
    if (places(base) !== places(head) && !argv['allow-mixed']) {
      throw new CliError(
        `base ran on ${places(base) || 'nothing'} but head on ${places(head) || 'nothing'}: ` +
          'comparing them would measure the machine, not the change (--allow-mixed to compare anyway)',
        GATE_EXIT.usage,
      );
    }
    if (cpus(base) !== cpus(head) && !argv['allow-mixed']) {
      throw new CliError(
        `base ran on ${cpus(base)} but head on ${cpus(head)}: comparing them would measure the machine, not the change (--allow-mixed to compare anyway)`,
        GATE_EXIT.usage,
      );
    }
    // An exit arm from before issue 7 serviced requests inline: comparing it with today's exit measures the redesign.
    const mixed = mixedArmSemantics(base, head, ['base', 'head']);
    if (mixed && !argv['allow-mixed-arm-semantics'])
      throw new CliError(`${mixed} (--allow-mixed-arm-semantics to compare anyway)`, GATE_EXIT.usage);
    const comparison = compareRuns(base, head, { thresholdPct: argv.threshold, alpha: argv.alpha, seed: argv.seed });
    const gateOpts = { thresholdPct: argv.threshold, base, head, allowIncomplete: argv['allow-incomplete'] };
    const gate = judge(comparison, gateOpts);
    const exitCode = gateExitCode(comparison, argv.threshold, gate.exitCode);
    const junit = () => renderJUnit(comparison, { name: 'kickbench compare', thresholdPct: argv.threshold });
    const compact = () =>
      renderCompactMarkdown(comparison, {
        title: 'kickbench compare',
        thresholdPct: argv.threshold,
        exitCode,
        context: [gate.line, ...notes],
        hosts: head.hosts,
      });
    if (argv.junit) writeOutput(argv.junit, junit());
    if (argv.summary) writeOutput(argv.summary, compact(), true);
    if (argv.format === 'json') {
      const { regressions: _r, ...verdictOnly } = gate;
      process.stdout.write(`${JSON.stringify({ gate: verdictOnly, notes, ...comparison }, null, 2)}\n`);
    } else if (argv.format === 'junit') process.stdout.write(junit());
    else {
      const prefix = notes.map((n) => (argv.format === 'md' ? `> **Note:** ${n}\n\n` : `note: ${n}\n`)).join('');
      process.stdout.write(prefix + renderCompare(comparison, { format: argv.format, ...gateOpts }));
    }
    process.exitCode = exitCode;
  },
};
