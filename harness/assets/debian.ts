// Debian packages as a source of guest files: versions from apt-cache,
// bytes from `apt-get download`, unpacked with `dpkg-deb -x` (never installed).
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, runTool } from './exec.js';

/** The concrete linux-image-6.x package the linux-image-amd64 metapackage points at. */
export async function resolveKernelPackage(meta = 'linux-image-amd64'): Promise<string> {
  const aptCache = requireTool('apt-cache', 'apt');
  const { stdout } = await runTool(aptCache, ['depends', meta]);
  const m = /Depends:\s+(linux-image-\d[^\s]*)/.exec(stdout);
  if (!m)
    throw new Error(
      `apt-cache depends ${meta}: no linux-image-<version> dependency (is the apt index up to date? run apt-get update)`,
    );
  return m[1];
}

/** Candidate version of each package, from `apt-cache policy`. */
export async function candidateVersions(pkgs: string[]): Promise<Record<string, string>> {
  const aptCache = requireTool('apt-cache', 'apt');
  const { stdout } = await runTool(aptCache, ['policy', ...pkgs]);
  const versions: Record<string, string> = {};
  let current: string | null = null;
  for (const line of stdout.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) current = head[1];
    const cand = /^\s+Candidate:\s+(\S+)/.exec(line);
    if (cand && current) versions[current] = cand[1];
  }
  for (const p of pkgs) {
    if (!versions[p] || versions[p] === '(none)')
      throw new Error(`apt-cache policy: no installable candidate for ${p} (run apt-get update?)`);
  }
  return versions;
}

export interface DownloadedDeb {
  package: string;
  version: string;
  file: string;
}

/**
 * Downloads `pkgs` into `workDir/debs` and unpacks them all into `workDir/root`.
 * Returns the .deb files with the versions read from their control data.
 */
export async function downloadAndExtract(
  pkgs: string[],
  workDir: string,
  log: (l: string) => void,
): Promise<{ root: string; debs: DownloadedDeb[] }> {
  const aptGet = requireTool('apt-get', 'apt');
  const dpkgDeb = requireTool('dpkg-deb', 'dpkg');
  const debDir = join(workDir, 'debs');
  const root = join(workDir, 'root');
  mkdirSync(debDir, { recursive: true });
  mkdirSync(root, { recursive: true });
  // apt drops privileges to _apt for downloads; let it write here.
  chmodSync(workDir, 0o755);
  chmodSync(debDir, 0o777);
  log(`downloading ${pkgs.join(' ')}`);
  try {
    await runTool(aptGet, ['download', '-q', ...pkgs], { cwd: debDir });
  } catch (e) {
    throw new Error(`downloading Debian packages failed: ${(e as Error).message}`, { cause: e });
  }
  const files = readdirSync(debDir)
    .filter((f) => f.endsWith('.deb'))
    .sort();
  const debs: DownloadedDeb[] = [];
  for (const f of files) {
    const file = join(debDir, f);
    const { stdout } = await runTool(dpkgDeb, ['-f', file, 'Package', 'Version']);
    const pkg = /^Package:\s*(\S+)/m.exec(stdout)?.[1];
    const version = /^Version:\s*(\S+)/m.exec(stdout)?.[1];
    if (!pkg || !version) throw new Error(`${f}: cannot read Package/Version`);
    await runTool(dpkgDeb, ['-x', file, root]);
    debs.push({ package: pkg, version, file });
  }
  for (const p of pkgs) {
    if (!debs.some((d) => d.package === p)) throw new Error(`apt-get download did not produce ${p}`);
  }
  return { root, debs };
}
