#!/usr/bin/env node
// kickbench: benchmark a VMM's virtio kick paths (heavyweight exit vs ioeventfd).
// Every failure ends in one line on stderr and a non-zero exit: 1 for a
// failed run or bad input file, 2 for a usage error.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { doctorCommand } from './commands/doctor.js';
import { setupCommand } from './commands/setup.js';
import { runCommand } from './commands/run.js';
import { parseCommand } from './commands/parse.js';
import { reportCommand } from './commands/report.js';
import { compareCommand } from './commands/compare.js';
import { mergeCommand } from './commands/merge.js';
import { microCommand } from './commands/micro.js';
import { listCommand } from './commands/list.js';
import { CliError } from './commands/errors.js';
import { packageVersion } from './paths.js';

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
  .command(parseCommand)
  .command(reportCommand)
  .command(compareCommand)
  .command(mergeCommand)
  .command(microCommand)
  .command(listCommand)
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
  const err = e as Error;
  if (err instanceof CliError) {
    process.stderr.write(`kickbench: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`kickbench: ${err.message?.split('\n')[0] ?? String(err)}\n`);
  if (process.env.KICKBENCH_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
