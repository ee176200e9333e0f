// What this host can do and what kickbench will use, in one screen (or JSON).
import { existsSync, statfsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandModule } from 'yargs';
import { decidePlace, detectHost, placeWords, requestedPlace, type GuestKind, type HostInfo } from '../launch/index.js';
import { assetsStatus } from '../assets/cache.js';
import { paths, repoRoot } from '../paths.js';
import { cpuModel } from '../runner/environment.js';

/** scripts/debian-packages.mjs: plain JS shared with setup.mjs, loaded from the repository at run time. */
async function debianPackageCheck(): Promise<{ missing: string[] | null; missingForTests: string[] | null }> {
  const mod = (await import(pathToFileURL(join(repoRoot(), 'scripts/debian-packages.mjs')).href)) as {
    debianPackages: (o?: { includeTestOnly?: boolean }) => string[];
    missingDebianPackages: (pkgs: string[]) => string[] | null;
  };
  const missing = mod.missingDebianPackages(mod.debianPackages());
  const all = mod.missingDebianPackages(mod.debianPackages({ includeTestOnly: true }));
  return { missing, missingForTests: all && missing ? all.filter((p) => !missing.includes(p)) : null };
}

function freeGiB(dir: string): number | null {
  try {
    mkdirSync(dir, { recursive: true });
    const s = statfsSync(dir);
    return (s.bavail * s.bsize) / 1024 ** 3;
  } catch {
    return null;
  }
}

/** Where `kickbench run` would put this guest kind (the same rule, KICKBENCH_WHERE included), or why it cannot. */
function placeFor(host: HostInfo, guest: GuestKind): string {
  try {
    return decidePlace(host, guest, requestedPlace());
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
}

function placeLine(place: string): string {
  if (place === 'hardware') return placeWords(place);
  if (place === 'emulating' || place === 'nested') return `${placeWords(place)} (timings are not hardware numbers)`;
  return place;
}

function packagesLine(missing: string[] | null, missingForTests: string[] | null | undefined): string {
  const forTests = missingForTests?.length ? `; for npm test also: ${missingForTests.join(' ')}` : '';
  if (missing === null) return `not a Debian system: check by hand${forTests}`;
  if (!missing.length) return `all present${forTests}`;
  return `missing: ${missing.join(' ')} (sudo apt-get install -y ${missing.join(' ')})${forTests}`;
}

export const doctorCommand: CommandModule<object, { json: boolean }> = {
  command: 'doctor',
  describe: 'Show what this host can do (KVM kind, capabilities, QEMU, assets, disk space) and what kickbench will use',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print the findings as one JSON object' })
      .example('$0 doctor', '')
      .example('$0 doctor --json', 'for scripts'),
  handler: async (argv) => {
    const { missing, missingForTests } = await debianPackageCheck();
    const host = await detectHost();
    const probe = host.probe; // detectHost already ran kickvmm --probe when /dev/kvm exists
    const assets = assetsStatus();
    const report = {
      host: { cpu: cpuModel(), kernel: (await import('node:os')).release(), node: process.version },
      kvm: { devKvm: existsSync('/dev/kvm'), kind: host.kvmKind, reason: host.kvmReason, probe },
      runsIn: { probe: placeFor(host, 'probe'), linux: placeFor(host, 'linux') },
      qemu: host.qemu ?? null,
      built: {
        kickvmm: existsSync(paths.kickvmm()),
        addon: existsSync(paths.addon()),
        probeGuest: existsSync(paths.probeGuest()),
      },
      assets,
      debianPackagesMissing: missing,
      debianPackagesMissingForTests: missingForTests,
      freeGiB: { results: freeGiB(paths.results()), cache: freeGiB(assets.cacheDir) },
    };
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const yes = (b: boolean) => (b ? 'yes' : 'no');
    const caps: Record<string, unknown> = probe
      ? { IOEVENTFD: probe.capIoeventfd, IRQFD: probe.capIrqfd, STATS_FD: probe.capBinaryStatsFd }
      : {};
    const lines = [
      `host          ${report.host.cpu}, Linux ${report.host.kernel}, Node ${report.host.node}`,
      `/dev/kvm      ${report.kvm.devKvm ? 'present' : 'absent'}`,
      `KVM kind      ${host.kvmKind}${host.kvmKind === 'emulating' ? ' (every guest instruction emulated: only the probe guest can run locally)' : ''}`,
      ...(host.kvmReason && host.kvmKind !== 'emulating' ? [`KVM problem   ${host.kvmReason}`] : []),
      `capabilities  ${
        probe && probe.devKvmOpens
          ? Object.entries(caps)
              .map(([k, v]) => `${k}=${yes(Boolean(v))}`)
              .join(' ')
          : host.kvmReason && host.kvmKind === 'none'
            ? 'unknown (no usable /dev/kvm: see above)'
            : 'unknown (kickvmm not built: npm run build:native)'
      }`,
      `QEMU          ${report.qemu ?? 'not installed (needed for the nested rig)'}`,
      `runs go to    probe guest: ${placeLine(report.runsIn.probe)}; Linux guests: ${placeLine(report.runsIn.linux)}`,
      `built         kickvmm=${yes(report.built.kickvmm)} addon=${yes(report.built.addon)} probe.elf=${yes(report.built.probeGuest)}`,
      `guest assets  ${assets.ready ? `ready (${assets.dir})` : `not built yet (kickbench setup)`}`,
      `packages      ${packagesLine(missing, missingForTests)}`,
      `free space    results ${report.freeGiB.results?.toFixed(1) ?? '?'} GiB` +
        (report.freeGiB.cache !== null ? `, cache ${report.freeGiB.cache.toFixed(1)} GiB` : ''),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
