import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { readResults } from '../results/io.js';
import { renderReport } from '../report/index.js';
import { CliError } from './errors.js';

type Format = 'text' | 'md' | 'html' | 'csv' | 'png' | 'json';
interface ReportArgs {
  results: string;
  format: Format;
  out?: string;
  threshold: number;
}

const FILE_NAMES: Record<Exclude<Format, 'png'>, string> = {
  text: 'report.txt',
  md: 'report.md',
  html: 'report.html',
  csv: 'samples.csv',
  json: 'report.json',
};

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <results>',
  describe: 'Render a results.json: before/after tables and verdicts (text, md), HTML with charts, CSV, PNG charts',
  builder: (y) =>
    y
      .positional('results', {
        type: 'string',
        demandOption: true,
        describe: 'a results.json, or the directory holding it',
      })
      .option('format', {
        alias: 'f',
        choices: ['text', 'md', 'html', 'csv', 'png', 'json'] as const,
        default: 'text' as const,
        describe:
          'text for a terminal, md for CI summaries, one self-contained html file, long-format csv, png charts, json',
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        describe: 'directory to write into (stdout when omitted; required for png)',
      })
      .option('threshold', {
        type: 'number',
        default: 5,
        describe: 'smallest change (%) that counts as a change in verdicts',
      })
      .example('$0 report results/run1 --format md >> "$GITHUB_STEP_SUMMARY"', 'a CI job summary')
      .example('$0 report results/run1 --format html --out reports/run1', 'a self-contained HTML report'),
  handler: async (argv) => {
    const file = argv.results.endsWith('.json') ? argv.results : join(argv.results, 'results.json');
    const rs = readResults(file);
    if (argv.format === 'png' && !argv.out) throw new CliError('--format png needs --out DIR', 2);
    const rendered = await renderReport(rs, {
      format: argv.format,
      outDir: argv.out ? resolve(argv.out) : undefined,
      resultsDir: dirname(resolve(file)),
      thresholdPct: argv.threshold,
    });
    if (argv.format === 'png') {
      process.stderr.write(`charts written to ${resolve(argv.out!)}\n`);
      return;
    }
    if (argv.out) {
      mkdirSync(argv.out, { recursive: true });
      const target = join(argv.out, FILE_NAMES[argv.format]);
      writeFileSync(target, rendered);
      process.stderr.write(`wrote ${target}\n`);
    } else {
      process.stdout.write(rendered);
    }
  },
};
