import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { parseBonnie, BonnieParseError } from '../bonnie/parse.js';
import { formatBonnieTable } from '../bonnie/format.js';
import { CliError } from './errors.js';

interface ParseArgs {
  files: string[];
  json: boolean;
}

export const parseCommand: CommandModule<object, ParseArgs> = {
  command: 'parse [files..]',
  describe: 'Parse bonnie++ output (text tables of 1.96-2.00a, CSV lines, -x runs); no file or "-" reads stdin',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, default: [] as string[], describe: 'bonnie++ output files' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print an array with one element per bonnie++ run found',
      })
      .example('$0 parse bonnie.out --json', 'every run in bonnie.out as JSON')
      .example('bonnie++ -d /tmp -u 0 | $0 parse', 'parse straight from bonnie++'),
  handler: (argv) => {
    const runs = [];
    // yargs swallows a lone "-", so no file at all also means stdin.
    const files = argv.files.length ? argv.files : ['-'];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (e) {
        throw new CliError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      try {
        runs.push(...parseBonnie(text, file));
      } catch (e) {
        // The parser's message already starts with the file name (and line).
        if (e instanceof BonnieParseError) throw new CliError(e.message);
        throw e;
      }
    }
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    } else {
      process.stdout.write(runs.map((r) => formatBonnieTable(r)).join('\n'));
    }
  },
};
