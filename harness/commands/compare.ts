import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { readResults } from '../results/io.js';
import { compareRuns } from '../stats/index.js';
import { renderCompare, compareExitCode } from '../report/compare-report.js';
import { mixedArmSemantics } from '../results/arms.js';
import { CliError } from './errors.js';

interface CompareArgs {
  base: string;
  head: string;
  threshold: number;
  alpha: number;
  format: 'text' | 'md' | 'json';
  'allow-mixed': boolean;
  'allow-mixed-arm-semantics': boolean;
}

function resultsFile(p: string): string {
  return p.endsWith('.json') ? p : join(p, 'results.json');
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare <base> <head>',
  describe:
    'CI gate: compare two result sets (e.g. main vs a PR); exit 1 on a significant regression beyond the threshold',
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
      .option('allow-mixed-arm-semantics', {
        type: 'boolean',
        default: false,
        describe:
          "compare even when one file's exit arm serviced requests inline (arm semantics 1) and the other's handed them off (2)",
      })
      .example(
        '$0 compare results/main results/pr --threshold 5',
        'exit status 1 if the PR regressed any metric by more than 5%',
      ),
  handler: (argv) => {
    if (!(argv.threshold >= 0)) throw new Error('--threshold must be a non-negative percentage');
    const base = readResults(resultsFile(argv.base));
    const head = readResults(resultsFile(argv.head));
    // A gate only means something between like and like: the same place, the same kind of machine.
    const places = (rs: typeof base) => [...new Set(rs.samples.map((s) => s.where))].sort().join('+');
    const cpus = (rs: typeof base) => [...new Set(Object.values(rs.hosts).map((h) => h.cpuModel))].sort().join(' + ');
    if (places(base) !== places(head) && !argv['allow-mixed']) {
      throw new CliError(
        `base ran on ${places(base) || 'nothing'} but head on ${places(head) || 'nothing'}: ` +
          'comparing them would measure the machine, not the change (--allow-mixed to compare anyway)',
      );
    }
    if (cpus(base) !== cpus(head) && !argv['allow-mixed']) {
      throw new CliError(
        `base ran on ${cpus(base)} but head on ${cpus(head)}: comparing them would measure the machine, not the change (--allow-mixed to compare anyway)`,
      );
    }
    // An exit arm from before issue 7 serviced requests inline: comparing it with today's exit measures the redesign.
    const mixed = mixedArmSemantics(base, head, ['base', 'head']);
    if (mixed && !argv['allow-mixed-arm-semantics'])
      throw new CliError(`${mixed} (--allow-mixed-arm-semantics to compare anyway)`, 2);
    const comparison = compareRuns(base, head, { thresholdPct: argv.threshold, alpha: argv.alpha });
    if (argv.format === 'json') process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
    else process.stdout.write(renderCompare(comparison, { format: argv.format, thresholdPct: argv.threshold }));
    process.exitCode = compareExitCode(comparison, argv.threshold);
  },
};
