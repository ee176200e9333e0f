// What this host can do and what kickbench will use, in one screen (or JSON).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, statfsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { detectHost } from '../launch/index.js';
import { defaultAssetCacheDir } from '../assets/index.js';
import { paths, repoRoot } from '../paths.js';
import { cpuModel } from '../runner/environment.js';

function debianPackages(): { name: string; testOnly: boolean }[] {
  return readFileSync(join(repoRoot(), 'scripts/debian-packages.txt'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => {
      const [name, tag] = l.split(/\s+/);
      return { name, testOnly: tag === 'test' };
    });
}

function missingPackages(names: string[]): string[] | null {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], { encoding: 'utf8' });
  if (r.error) return null;
  const ok = new Set(r.stdout.split('\n').filter((l) => /\sii/.test(l)).map((l) => l.split(' ')[0]));
  return names.filter((n) => !ok.has(n));
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

/** Cached asset builds, newest last (without building or asking apt anything: doctor must be quick). */
function assetsStatus(): { ready: boolean; dir: string | null; cacheDir: string } {
  const cacheDir = defaultAssetCacheDir();
  const builds = existsSync(cacheDir)
    ? readdirSync(cacheDir)
        .filter((d) => !d.startsWith('.') && existsSync(join(cacheDir, d, 'manifest.json')))
        .sort((a, b) => statSync(join(cacheDir, a)).mtimeMs - statSync(join(cacheDir, b)).mtimeMs)
    : [];
  return { ready: builds.length > 0, dir: builds.length ? join(cacheDir, builds[builds.length - 1]) : null, cacheDir };
}

export const doctorCommand: CommandModule<object, { json: boolean }> = {
  command: 'doctor',
  describe: 'Show what this host can do (KVM kind, capabilities, QEMU, assets, disk space) and what kickbench will use',
  builder: (y) => y.option('json', { type: 'boolean', default: false }).example('$0 doctor', '').example('$0 doctor --json', 'for scripts'),
  handler: async (argv) => {
    const pkgs = debianPackages();
    const missing = missingPackages(pkgs.map((p) => p.name));
    const host = await detectHost();
    const probe = host.probe; // detectHost already ran kickvmm --probe when /dev/kvm exists
    const assets = assetsStatus();
    const report = {
      host: { cpu: cpuModel(), kernel: (await import('node:os')).release(), node: process.version },
      kvm: { devKvm: existsSync('/dev/kvm'), kind: host.kvmKind, probe },
      runsIn: host.where,
      qemu: host.qemu ?? null,
      built: { kickvmm: existsSync(paths.kickvmm()), addon: existsSync(paths.addon()), probeGuest: existsSync(paths.probeGuest()) },
      assets,
      debianPackagesMissing: missing,
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
      `capabilities  ${probe && probe.devKvmOpens ? Object.entries(caps).map(([k, v]) => `${k}=${yes(Boolean(v))}`).join(' ') : 'unknown (kickvmm not built, or no usable /dev/kvm)'}`,
      `QEMU          ${report.qemu ?? 'not installed (needed for the nested rig)'}`,
      `runs go to    ${host.where === 'hardware' ? 'local hardware KVM' : 'the nested rig (QEMU TCG + nested KVM): timings are not hardware numbers'}`,
      `built         kickvmm=${yes(report.built.kickvmm)} addon=${yes(report.built.addon)} probe.elf=${yes(report.built.probeGuest)}`,
      `guest assets  ${assets.ready ? `ready (${assets.dir})` : `not built yet (kickbench setup)`}`,
      `packages      ${missing === null ? 'not a Debian system: check by hand' : missing.length ? `missing: ${missing.join(' ')} (sudo apt-get install -y ${missing.join(' ')})` : 'all present'}`,
      `free space    results ${report.freeGiB.results?.toFixed(1) ?? '?'} GiB${report.freeGiB.cache !== null ? `, cache ${report.freeGiB.cache.toFixed(1)} GiB` : ''}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
