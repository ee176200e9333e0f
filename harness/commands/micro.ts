import type { CommandModule } from 'yargs';
import {
  decidePlace,
  detectHost,
  requestedPlace,
  PlaceError,
  PLACE_REQUESTS,
  type PlaceRequest,
} from '../launch/index.js';
import {
  measureKickCostInProcess,
  measureBlockPhasesInProcess,
  formatBlockPhases,
  formatKickCosts,
} from '../micro/kick-cost.js';
import { measureInRig } from '../micro/rig.js';
import { whereLabel } from '../runner/environment.js';
import { CliError } from './errors.js';

interface MicroArgs {
  kicks: number;
  time: number;
  where: PlaceRequest;
  json: boolean;
}

export const microCommand: CommandModule<object, MicroArgs> = {
  command: 'micro',
  describe:
    "Doorbell cost per kick in both modes beside the floor of a minimal KVM_RUN loop, and the probe's block phases",
  builder: (y) =>
    y
      .option('kicks', {
        type: 'number',
        default: 10000,
        describe: 'kicks per batch (one batch = one re-entry of the VM)',
      })
      .option('time', { type: 'number', default: 2000, describe: 'measuring time per case, ms (tinybench)' })
      .option('where', {
        choices: PLACE_REQUESTS,
        default: 'auto' as PlaceRequest,
        describe: 'local KVM in-process, or the nested rig',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the measurements as JSON' })
      .example('$0 micro', 'in-process with tinybench when this host has KVM, else in the nested rig'),
  handler: async (argv) => {
    if (!Number.isInteger(argv.kicks) || argv.kicks < 1) throw new CliError('--kicks must be a positive integer', 2);
    let where;
    try {
      where = decidePlace(await detectHost(), 'probe', requestedPlace(argv.where));
    } catch (e) {
      throw e instanceof PlaceError ? new CliError(e.message) : e;
    }
    if (where !== 'nested') {
      const costs = await measureKickCostInProcess({
        kicksPerBatch: argv.kicks,
        timeMs: argv.time,
        warmupMs: Math.min(500, argv.time / 4),
      });
      const blockPhases = await measureBlockPhasesInProcess();
      if (argv.json) process.stdout.write(`${JSON.stringify({ where, costs, blockPhases }, null, 2)}\n`);
      else
        process.stdout.write(
          formatKickCosts(costs, whereLabel(where)) + formatBlockPhases(blockPhases, whereLabel(where)),
        );
      return;
    }
    const out = await measureInRig({ kicks: argv.kicks, log: (l) => process.stderr.write(`${l}\n`) });
    if (argv.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else process.stdout.write(out.text);
  },
};
