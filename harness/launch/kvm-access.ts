// Why /dev/kvm can or cannot be used, in words a user can act on: it is missing,
// this user may not open it (and the fix), or it opens.
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';

export type KvmAccess =
  | { state: 'usable' }
  | { state: 'missing'; reason: string }
  | { state: 'no-permission'; reason: string }
  | { state: 'unusable'; reason: string };

export interface DevKvmFacts {
  /** errno code of open("/dev/kvm", O_RDWR), or null when it opened */
  openError: string | null;
  /** "crw-rw----" style mode and owning group name, when stat worked */
  mode?: string;
  group?: string;
  /** the running user's name */
  user?: string;
}

const NO_DEVICE =
  'there is no /dev/kvm (the kvm_intel or kvm_amd module is not loaded, or this machine offers no virtualization to Linux)';

/** Pure: the access state and its one-line reason from what open() and stat() said. */
export function classifyKvmAccess(f: DevKvmFacts): KvmAccess {
  if (f.openError === null) return { state: 'usable' };
  if (f.openError === 'ENOENT' || f.openError === 'ENXIO' || f.openError === 'ENODEV')
    return { state: 'missing', reason: NO_DEVICE };
  if (f.openError === 'EACCES' || f.openError === 'EPERM') {
    const dev = `/dev/kvm${f.mode ? ` (${f.mode}${f.group ? ` group ${f.group}` : ''})` : ''}`;
    const user = f.user ?? '$USER';
    const fix =
      f.group && f.group !== 'root'
        ? `add ${user} to group ${f.group} (sudo usermod -aG ${f.group} ${user}, then log in again)`
        : 'give group kvm access with a udev rule: KERNEL=="kvm", GROUP="kvm", MODE="0660" in ' +
          `/etc/udev/rules.d/65-kvm.rules (then sudo udevadm trigger), and add ${user} to group kvm`;
    return { state: 'no-permission', reason: `no permission to open ${dev}: ${fix}` };
  }
  return { state: 'unusable', reason: `cannot open /dev/kvm: ${f.openError}` };
}

function groupName(gid: number): string | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (Number(id) === gid) return name;
    }
  } catch {
    /* no /etc/group */
  }
  return undefined;
}

function modeString(mode: number): string {
  const bits = 'rwxrwxrwx';
  let s = (mode & 0o170000) === 0o020000 ? 'c' : '-';
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : '-';
  return s;
}

/** Tries to open /dev/kvm read-write, as kickvmm will. */
export function kvmAccess(path = '/dev/kvm'): KvmAccess {
  const facts: DevKvmFacts = { openError: null };
  try {
    closeSync(openSync(path, 'r+'));
  } catch (e) {
    facts.openError = (e as NodeJS.ErrnoException).code ?? 'error';
    try {
      const st = statSync(path);
      facts.mode = modeString(st.mode);
      facts.group = groupName(st.gid);
    } catch {
      /* missing: no facts to add */
    }
    facts.user = process.env.USER ?? process.env.LOGNAME;
  }
  return classifyKvmAccess(facts);
}

export const EMULATING_REASON =
  "this host's KVM emulates every guest instruction (the CPU shows no svm/vmx): only the probe guest runs on it";
