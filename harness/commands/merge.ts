import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { readResults, writeResultsAtomic } from '../results/io.js';
import { mergeResults } from '../results/merge.js';

interface MergeArgs {
  results: string[];
  out: string;
  dedupe: boolean;
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <results..>',
  describe: 'Combine result files from several hosts (a CI matrix) into one',
  builder: (y) =>
    y
      .positional('results', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'results.json files or their directories',
      })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'merged results.json to write' })
      .option('dedupe', {
        type: 'boolean',
        default: false,
        describe: 'keep one copy of a sample found in two inputs (with a warning) instead of refusing the merge',
      })
      .example('$0 merge host-a/results.json host-b/results.json -o all.json', ''),
  handler: (argv) => {
    const sets = argv.results.map((p) => readResults(p.endsWith('.json') ? p : join(p, 'results.json')));
    const merged = mergeResults(sets, argv.results, {
      dedupe: argv.dedupe,
      warn: (m) => process.stderr.write(`kickbench: warning: ${m}\n`),
    });
    mkdirSync(dirname(resolve(argv.out)), { recursive: true });
    writeResultsAtomic(argv.out, merged);
    process.stderr.write(
      `merged ${sets.length} file(s), ${merged.samples.length} samples, ${Object.keys(merged.hosts).length} host(s) into ${argv.out}\n`,
    );
  },
};
