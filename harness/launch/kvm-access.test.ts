import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../paths.js';
import { classifyKvmAccess, type KvmAccess } from './kvm-access.js';

const reasonOf = (a: KvmAccess) => ('reason' in a ? a.reason : '');

/** Every directory another user must be able to enter to reach `dir`, from / down. */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    out.unshift(d);
    if (dirname(d) === d) return out;
  }
}

test('/dev/kvm: missing, no permission (with the fix), other errors, usable', () => {
  assert.deepEqual(classifyKvmAccess({ openError: null }), { state: 'usable' });
  const missing = classifyKvmAccess({ openError: 'ENOENT' });
  assert.equal(missing.state, 'missing');
  assert.match(reasonOf(missing), /there is no \/dev\/kvm .*kvm_intel or kvm_amd/);
  const group = classifyKvmAccess({ openError: 'EACCES', mode: 'crw-rw----', group: 'kvm', user: 'ann' });
  assert.equal(group.state, 'no-permission');
  assert.match(
    reasonOf(group),
    /no permission to open \/dev\/kvm \(crw-rw---- group kvm\): add ann to group kvm \(sudo usermod -aG kvm ann/,
  );
  const rootOnly = classifyKvmAccess({ openError: 'EACCES', mode: 'crw-------', group: 'root', user: 'ann' });
  assert.match(reasonOf(rootOnly), /udev rule: KERNEL=="kvm", GROUP="kvm", MODE="0660"/);
  assert.equal(classifyKvmAccess({ openError: 'EBUSY' }).state, 'unusable');
});

test('doctor and run name the permission problem for a user who may not open /dev/kvm', (t) => {
  if (!existsSync('/dev/kvm')) return t.skip('this host has no /dev/kvm');
  if (process.getuid?.() !== 0) return t.skip('needs root to run kickbench as another user');
  const setpriv = spawnSync('setpriv', ['--help']);
  if (setpriv.error) return t.skip('setpriv (util-linux) is not installed');
  if ((statSync('/dev/kvm').mode & 0o006) !== 0) return t.skip('/dev/kvm is world-accessible here');
  // nobody: not in the kvm group, and /dev/kvm is not open to others.
  const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath];
  // A checkout inside a private directory (mktemp -d is 0700) is out of nobody's reach:
  // then nobody runs it through a bind mount of the checkout alone, in a mount namespace of its own.
  const root = repoRoot();
  const reachable = ancestors(root).every((d) => (statSync(d).mode & 0o001) !== 0);
  const view = reachable ? null : mkdtempSync(join('/tmp', 'kb-nobody-view-'));
  if (view) chmodSync(view, 0o755);
  const cliIn = (dir: string) => join(dir, 'dist/harness/cli.js');
  const asNobody = (args: string[]) =>
    spawnSync(
      view ? 'unshare' : nobody[0],
      view
        ? [
            '--mount',
            '--propagation',
            'private',
            'sh',
            '-c',
            'mount --bind "$0" "$1" && shift && exec "$@"',
            root,
            view,
          ].concat(nobody, cliIn(view), args)
        : [...nobody.slice(1), cliIn(root), ...args],
      {
        encoding: 'utf8',
        env: { ...process.env, HOME: '/tmp', CI: 'true', USER: 'nobody' },
        timeout: 60_000,
      },
    );
  t.after(() => view && rmSync(view, { recursive: true, force: true }));
  const doctor = asNobody(['doctor', '--json']);
  assert.equal(doctor.status, 0, doctor.stderr);
  const report = JSON.parse(doctor.stdout) as { kvm: { kind: string; reason: string | null } };
  assert.equal(report.kvm.kind, 'none');
  assert.match(report.kvm.reason ?? '', /no permission to open \/dev\/kvm .*(usermod -aG|udev rule)/);
  const text = asNobody(['doctor']);
  assert.match(text.stdout, /no permission to open \/dev\/kvm/);
  // run --where local refuses with the same reason instead of a generic one.
  const run = asNobody([
    'run',
    'doorbell',
    '-q',
    '--where',
    'local',
    '--out',
    join('/tmp', `kb-nobody-${process.pid}`),
  ]);
  assert.notEqual(run.status, 0);
  assert.match(run.stderr.trim(), /^kickbench: scenario doorbell: --where local: .*no permission to open \/dev\/kvm/);
  rmSync(join('/tmp', `kb-nobody-${process.pid}`), { recursive: true, force: true });
});
