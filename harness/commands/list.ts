import type { CommandModule } from 'yargs';
import { listScenarios } from '../scenarios/scenario.js';

export const listCommand: CommandModule<object, { json: boolean }> = {
  command: 'list',
  describe: 'List the scenarios in scenarios/',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print the validated scenarios as JSON' })
      .example('$0 list', ''),
  handler: (argv) => {
    const scenarios = listScenarios();
    if (argv.json) {
      process.stdout.write(
        `${JSON.stringify(
          scenarios.map(({ file: _f, ...s }) => s),
          null,
          2,
        )}\n`,
      );
      return;
    }
    const width = Math.max(...scenarios.map((s) => s.name.length), 4);
    for (const s of scenarios) {
      const what =
        s.workload.kind === 'bonnie' ? `bonnie++ ${s.workload.args.join(' ')}` : `probe: ${s.workload.cmdline}`;
      const peers = s.peers?.length ? ` + ${s.peers.join('/')}` : '';
      process.stdout.write(
        `${s.name.padEnd(width)}  ${s.modes.join('/')}${peers} x${s.repetitions}${s.warmup ? ` (+${s.warmup} warm-up)` : ''}, ` +
          `${s.guest.sizing ? `sized by the ${s.guest.sizing} rule` : `${s.guest.memMiB} MiB, ${s.guest.cpus} vCPU`}  ${what}\n`,
      );
    }
  },
};
