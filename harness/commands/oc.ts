import type { CommandModule } from 'yargs';
import { operatingCharacteristics } from '../stats/simulate.js';
import { mdTable, textTable } from '../report/table.js';
import { CliError } from './errors.js';

interface OcArgs {
  runs: number;
  seed: number;
  m: number;
  threshold: number;
  format: 'text' | 'md';
}

export const ocCommand: CommandModule<object, OcArgs> = {
  command: 'oc',
  describe:
    'Operating characteristics of the shipped decision rule, by simulation: A/A false-regression rate and power at -10%/-20%, at CV 2/5/15% and n = 4/6/8/12',
  builder: (y) =>
    y
      .option('runs', { type: 'number', default: 400, describe: 'simulated comparisons per cell' })
      .option('seed', { type: 'number', default: 1, describe: 'PRNG seed (the same seed gives the same table)' })
      .option('m', { type: 'number', default: 3, describe: 'primary metrics in the Holm family (seed: 3)' })
      .option('threshold', { type: 'number', default: 5, describe: 'the gate threshold, percent' })
      .option('format', {
        choices: ['text', 'md'] as const,
        default: 'text' as const,
        describe: 'text for a terminal, md for a document',
      }),
  handler: (argv) => {
    if (!(Number.isInteger(argv.runs) && argv.runs >= 10)) throw new CliError('--runs must be an integer >= 10', 2);
    if (!(Number.isInteger(argv.m) && argv.m >= 1 && argv.m <= 6)) throw new CliError('--m must be 1 to 6', 2);
    const rows = operatingCharacteristics({
      runs: argv.runs,
      seed: argv.seed,
      m: argv.m,
      thresholdPct: argv.threshold,
    });
    const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
    const header = ['CV', 'n per arm', 'A/A false regression', 'power at -10%', 'power at -20%', 'cannot judge (A/A)'];
    const body = rows.map((r) => [
      `${(r.cv * 100).toFixed(0)}%`,
      String(r.n),
      pct(r.falsePositive),
      pct(r.power10),
      pct(r.power20),
      pct(r.cannotJudge),
    ]);
    const note =
      `${argv.runs} simulated base/head comparisons per cell (seed ${argv.seed}), lognormal noise, ` +
      `${argv.m} primary metrics (Holm), threshold ${argv.threshold}%; the change hits the first primary metric only; ` +
      'each run goes through compareRuns() and the gate, as `kickbench compare` does. "power" = the gate exits 1 (regression).';
    const align = ['right', 'right', 'right', 'right', 'right', 'right'] as const;
    if (argv.format === 'md') process.stdout.write(`${mdTable(header, body, [...align])}\n${note}\n`);
    else process.stdout.write(`${textTable(header, body, { align: [...align] })}\n${note}\n`);
  },
};
