// kickbench history add RUN / history show: results across commits in one
// SQLite file (default results/history.sqlite).

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { readResults } from '../results/io.js';
import { METRICS } from '../results/schema.js';
import { defaultHistoryFile, History, HistoryError } from '../history/store.js';
import { trends } from '../history/trend.js';
import { renderHistoryHtml, renderHistoryText } from '../history/render.js';
import { CliError } from './errors.js';
import { PLACES } from '../launch/place.js';

interface HistoryArgs {
  action: 'add' | 'show';
  run?: string;
  db?: string;
  host?: string;
  metric?: string;
  scenario?: string;
  where?: string;
  html?: string;
}

function resultsFile(p: string): string {
  return p.endsWith('.json') ? p : join(p, 'results.json');
}

function withHistory<T>(file: string, create: boolean, fn: (h: History) => T): T {
  let h: History;
  try {
    h = History.open(file, { create });
  } catch (e) {
    if (e instanceof HistoryError) throw new CliError(e.message);
    throw e;
  }
  try {
    return fn(h);
  } catch (e) {
    if (e instanceof HistoryError) throw new CliError(e.message);
    throw e;
  } finally {
    h.close();
  }
}

export const historyCommand: CommandModule<object, HistoryArgs> = {
  command: 'history <action> [run]',
  describe: 'Results across commits: "history add RUN" records a run, "history show" prints and charts the trend',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['add', 'show'] as const, demandOption: true })
      .positional('run', { type: 'string', describe: 'add: a results.json or its directory' })
      .option('db', { type: 'string', describe: 'the history file (default results/history.sqlite)' })
      .option('host', {
        type: 'string',
        describe: 'add: refuse a run from any other host; show: only this host',
      })
      .option('metric', { type: 'string', describe: 'show: the metric (default: the first primary one recorded)' })
      .option('scenario', { type: 'string', describe: 'show: only this scenario' })
      .option('where', { choices: PLACES, describe: 'show: only this place' })
      .option('html', { type: 'string', describe: 'show: also write an HTML page with the trend charts here' })
      .example('$0 history add results/q', 'record a run (commit, host, place, every sample)')
      .example(
        '$0 history show --metric put_block --html reports/history.html',
        'the trend across commits',
      ) as Argv<HistoryArgs>,
  handler: (argv) => {
    const db = resolve(argv.db ?? defaultHistoryFile());
    if (argv.action === 'add') {
      if (!argv.run) throw new CliError('history add needs a run: kickbench history add RESULTS', 2);
      const file = resultsFile(argv.run);
      const rs = readResults(file);
      const added = withHistory(db, true, (h) => h.add(rs, file, { expectHost: argv.host }));
      const n = rs.samples.filter((s) => s.status === 'ok' && !s.warmup).length;
      process.stdout.write(`recorded ${file} as run ${added.id} in ${db} (${n} measured samples)\n`);
      return;
    }
    if (argv.run) throw new CliError('history show takes no run (filter with --scenario, --host, --where)', 2);
    withHistory(db, false, (h) => {
      const filter = { scenario: argv.scenario, hostname: argv.host, place: argv.where };
      const metric =
        argv.metric ??
        METRICS.filter((m) => m.family === 'primary').find((m) => h.metricRows({ metric: m.name, ...filter }).length)
          ?.name;
      if (!metric)
        throw new CliError(`${db}: no recorded primary metric${argv.scenario ? ` for ${argv.scenario}` : ''}`);
      const groups = trends(h.metricRows({ metric, ...filter }));
      process.stdout.write(renderHistoryText(groups, metric));
      if (argv.html) {
        writeFileSync(argv.html, renderHistoryHtml(groups, metric));
        process.stderr.write(`wrote ${argv.html}\n`);
      }
    });
  },
};
