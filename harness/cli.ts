#!/usr/bin/env node
// kickbench: benchmark a VMM's virtio kick paths (heavyweight exit vs ioeventfd).
// Every failure ends in one line on stderr and a non-zero exit: 1 for a
// failed run or bad input file, 2 for a usage error or a full disk, and
// 128 + the signal number when interrupted (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { doctorCommand } from './commands/doctor.js';
import { setupCommand } from './commands/setup.js';
import { runCommand } from './commands/run.js';
import { abCommand } from './commands/ab.js';
import { historyCommand } from './commands/history.js';
import { parseCommand } from './commands/parse.js';
import { reportCommand } from './commands/report.js';
import { compareCommand } from './commands/compare.js';
import { mergeCommand } from './commands/merge.js';
import { microCommand } from './commands/micro.js';
import { listCommand } from './commands/list.js';
import { ocCommand } from './commands/oc.js';
import { CliError } from './commands/errors.js';
import { haltIfStopping, installShutdown, stopNow } from './lifecycle/shutdown.js';
import { watchNpmParent } from './lifecycle/npm-parent.js';
import { isNoSpace } from './lifecycle/write-errors.js';
import { packageVersion } from './paths.js';

// Children die with kickbench, whatever ends it; started by npm/npx, kickbench
// also ends when npm does (npm's shell does not pass signals on).
installShutdown();
watchNpmParent((what) => void stopNow('SIGHUP', `stopping: ${what}`));

// Output piped into `head` and the like: a closed pipe ends us quietly, without a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const cli = yargs(hideBin(process.argv))
  .scriptName('kickbench')
  .usage(
    "$0 <command> [options]\n\nBenchmark a VMM's virtio kick: heavyweight exit vs ioeventfd, with bonnie++ in a Linux guest.",
  )
  .command(doctorCommand)
  .command(setupCommand)
  .command(runCommand)
  .command(abCommand)
  .command(parseCommand)
  .command(reportCommand)
  .command(compareCommand)
  .command(mergeCommand)
  .command(microCommand)
  .command(listCommand)
  .command(historyCommand)
  .command(ocCommand)
  .version(packageVersion())
  .demandCommand(1, 'Name a command (kickbench --help lists them).')
  .strict()
  .recommendCommands()
  .wrap(null)
  .epilog(
    'Results say where they ran: hardware KVM, an instruction-emulating KVM, or the nested rig.\nOnly hardware-KVM timings are hardware numbers.',
  )
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`kickbench: ${msg}\n(kickbench --help for usage)\n`);
    process.exit(2);
  });

try {
  await cli.parseAsync();
} catch (e) {
  // A run cut short by a signal fails on its way down: the shutdown has the last word.
  await haltIfStopping();
  const err = e as Error;
  if (isNoSpace(err)) {
    // A full disk: one line, exit 2; results.json is only ever replaced whole, so what was measured stays.
    const line = err.message?.split('\n')[0] ?? String(err);
    process.stderr.write(`kickbench: ${/no space/i.test(line) ? line : `no space left on device: ${line}`}\n`);
    process.exit(2);
  }
  if (err instanceof CliError) {
    process.stderr.write(`kickbench: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`kickbench: ${err.message?.split('\n')[0] ?? String(err)}\n`);
  if (process.env.KICKBENCH_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
