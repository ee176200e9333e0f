import type { CommandModule } from 'yargs';
import { ensureAssets } from '../assets/cache.js';
import { describeAssets } from '../runner/environment.js';

export const setupCommand: CommandModule<object, { quiet: boolean }> = {
  command: 'setup',
  describe:
    'Build the guest assets (Debian kernel, bonnie++ initramfs, pristine 1 GiB ext4 disk) into the content-addressed cache',
  builder: (y) =>
    y
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        default: false,
        describe: 'print nothing when the assets are already cached',
      })
      .example('$0 setup', 'download and build what is missing (npm run bench / npm test do this for you)'),
  handler: async (argv) => {
    const lines: string[] = [];
    const assets = await ensureAssets({ log: (l) => (argv.quiet ? lines.push(l) : process.stderr.write(`${l}\n`)) });
    if (!argv.quiet) {
      const d = describeAssets(assets);
      process.stdout.write(`guest assets ready in ${assets.dir}\n`);
      for (const [k, v] of Object.entries(d)) process.stdout.write(`  ${k}: ${v}\n`);
    }
  },
};
