import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { readResults } from '../results/io.js';
import { compareRuns } from '../stats/index.js';
import { renderCompare, judge, GATE_EXIT } from '../report/compare-report.js';
import type { ResultSet } from '../results/schema.js';
import { mixedArmSemantics } from '../results/arms.js';
import { CliError } from './errors.js';

interface CompareArgs {
  base: string;
  head: string;
  threshold: number;
  alpha: number;
  format: 'text' | 'md' | 'json';
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
  command: 'compare <base> <head>',
  describe:
    'CI gate: compare two result sets (e.g. main vs a PR); exit 0 pass, 1 regression, 2 usage/input error, 3 cannot judge',
  builder: (y) =>
    y
      .positional('base', { type: 'string', demandOption: true, describe: 'baseline results.json (or its directory)' })
      .positional('head', { type: 'string', demandOption: true, describe: 'candidate results.json (or its directory)' })
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
      .option('format', { choices: ['text', 'md', 'json'] as const, default: 'text' as const })
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
        'Exit status: 0 pass (no primary metric regressed, and a verdict was reachable); 1 regression; 2 usage or input error; 3 cannot judge (underpowered, incomplete run, no common primary metrics, too many failed samples).',
      ),
  handler: (argv) => {
    if (!(argv.threshold >= 0)) throw new CliError('--threshold must be a non-negative percentage', GATE_EXIT.usage);
    if (!(argv.alpha > 0 && argv.alpha < 1)) throw new CliError('--alpha must be between 0 and 1', GATE_EXIT.usage);
    const base = load(argv.base);
    const head = load(argv.head);
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
    if (argv.format === 'json') {
      const { regressions: _r, ...verdictOnly } = gate;
      process.stdout.write(`${JSON.stringify({ gate: verdictOnly, ...comparison }, null, 2)}\n`);
    } else {
      process.stdout.write(renderCompare(comparison, { format: argv.format, ...gateOpts }));
    }
    process.exitCode = gate.exitCode;
  },
};
