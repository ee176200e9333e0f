import type { CommandModule } from 'yargs';
import {
  decidePlace,
  detectHost,
  requestedPlace,
  PlaceError,
  PLACE_REQUESTS,
  type PlaceRequest,
} from '../launch/index.js';
import { measureKickCostInProcess } from '../micro/kick-cost.js';
import { measureBlockPhasesInProcess } from '../micro/block-phases.js';
import { formatBlockPhases, formatKickCosts } from '../micro/format.js';
import { measureInRig } from '../micro/rig.js';
import { KICK_MODES } from '../results/arms.js';
import { whereLabel } from '../runner/environment.js';
import { CliError } from './errors.js';

interface MicroArgs {
  kicks: number;
  rounds: number;
  'time-ms': number;
  'block-rounds': number;
  where: PlaceRequest;
  json: boolean;
}

const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;

export const microCommand: CommandModule<object, MicroArgs> = {
  command: 'micro',
  describe:
    'Doorbell cost per kick in every arm (exit, ioeventfd, inline) beside the floor (a device-less VM with the ' +
    "same guest and kick path), and the probe's block phases",
  builder: (y) =>
    y
      .option('kicks', {
        type: 'number',
        default: 10000,
        describe: 'kicks per batch (one batch = one re-entry of the VM)',
      })
      .option('rounds', {
        type: 'number',
        default: 4,
        describe: 'ABBA rounds of doorbell and floor per arm (local); each gives each case two measurements',
      })
      .option('time-ms', {
        type: 'number',
        default: 300,
        describe: 'measuring time of one measurement, in milliseconds (whole batches, at least one; local)',
      })
      .option('block-rounds', {
        type: 'number',
        default: 2,
        describe: 'runs of the block phases per arm, arms interleaved (local)',
      })
      .option('where', {
        choices: PLACE_REQUESTS,
        default: 'auto' as PlaceRequest,
        describe: 'local KVM in-process, or the nested rig',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the measurements as JSON' })
      .example('$0 micro', 'in-process when this host has KVM, else in the nested rig; progress goes to stderr'),
  handler: async (argv) => {
    if (!positiveInt(argv.kicks)) throw new CliError('--kicks must be a positive integer', 2);
    if (!positiveInt(argv.rounds)) throw new CliError('--rounds must be a positive integer', 2);
    if (!positiveInt(argv['block-rounds'])) throw new CliError('--block-rounds must be a positive integer', 2);
    if (!(argv['time-ms'] > 0)) throw new CliError('--time-ms must be a positive number of milliseconds', 2);
    const log = (l: string) => process.stderr.write(`${l}\n`);
    const arms = KICK_MODES;
    let where;
    try {
      where = decidePlace(await detectHost(), 'probe', requestedPlace(argv.where));
    } catch (e) {
      throw e instanceof PlaceError ? new CliError(e.message) : e;
    }
    if (where !== 'nested') {
      const costs = await measureKickCostInProcess({
        arms,
        kicksPerBatch: argv.kicks,
        rounds: argv.rounds,
        timeMs: argv['time-ms'],
        log,
      });
      const blockPhases = await measureBlockPhasesInProcess({ arms, rounds: argv['block-rounds'], log });
      if (argv.json) process.stdout.write(`${JSON.stringify({ where, costs, blockPhases }, null, 2)}\n`);
      else
        process.stdout.write(
          formatKickCosts(costs, whereLabel(where)) +
            formatBlockPhases(blockPhases, whereLabel(where), argv['block-rounds']),
        );
      return;
    }
    const out = await measureInRig({ arms, kicks: argv.kicks, log });
    if (argv.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else process.stdout.write(out.text);
  },
};
