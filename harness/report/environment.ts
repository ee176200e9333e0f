// Per-host parts of a report: one ResultSet per host (statistics never pool two
// machines) and the rows that describe where and how that host ran.
import type { HostEnvironment, ResultSet } from '../results/schema.js';
import { placesOf } from '../launch/place.js';
import { describeSizing, type GuestSizing } from '../scenarios/sizing.js';
import { armSemanticsOf } from '../results/arms.js';

/** One ResultSet per host, so statistics never pool two machines. */
export function splitByHost(rs: ResultSet): { host: string; env: HostEnvironment | undefined; rs: ResultSet }[] {
  const keys = [...new Set(rs.samples.map((s) => s.host))];
  for (const k of Object.keys(rs.hosts)) if (!keys.includes(k)) keys.push(k);
  return keys.map((host) => {
    const samples = rs.samples.filter((s) => s.host === host);
    const names = new Set(samples.map((s) => s.scenario));
    return {
      host,
      env: rs.hosts[host],
      rs: {
        ...rs,
        hosts: rs.hosts[host] ? { [host]: rs.hosts[host] } : {},
        samples,
        scenarios: rs.scenarios.filter((sc) => names.has(sc.name)),
      },
    };
  });
}

export function environmentRows(env: HostEnvironment | undefined, rs: ResultSet, host: string): [string, string][] {
  const rows: [string, string][] = [];
  const add = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') rows.push([k, String(v)]);
  };
  const w = placesOf(rs.samples.filter((s) => s.host === host));
  add('host', host);
  add('where it ran', w.length ? w.join(', ') : env?.where);
  if (env) {
    add('hostname', env.hostname);
    add('host kernel', env.hostKernel);
    add('CPU', `${env.cpuModel} (${env.cpus} CPUs)`);
    add('memory', `${env.memoryMiB} MiB`);
    add('KVM', env.kvmKind);
    add('CPU governor', env.governor);
    add('transparent hugepages', env.thp);
    add('node', env.nodeVersion);
    add('git commit', env.gitCommit ? `${env.gitCommit}${env.gitDirty ? ' (dirty)' : ''}` : null);
    for (const [k, v] of Object.entries(env.guest ?? {})) add(`guest ${k}`, v);
    for (const [name, sizing] of Object.entries(env.guestSizing ?? {}))
      add(`guest of ${name}`, describeSizing(sizing as GuestSizing));
    const known = new Set([
      'hostname',
      'hostKernel',
      'cpuModel',
      'cpus',
      'memoryMiB',
      'kvmKind',
      'where',
      'governor',
      'thp',
      'nodeVersion',
      'gitCommit',
      'gitDirty',
      'guest',
    ]);
    for (const [k, v] of Object.entries(env)) {
      if (!known.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) add(k, v);
    }
  }
  add('kickbench', `${rs.tool.version}${rs.tool.gitCommit ? ` @ ${rs.tool.gitCommit}` : ''}`);
  add('run order', rs.order);
  if (rs.aa) add('A/A run', 'yes: both arms use the same mode (noise floor)');
  const semantics = armSemanticsOf(rs);
  add(
    'arm semantics',
    semantics >= 2
      ? `${semantics}: exit hands the queue to the I/O thread; inline services it on the vCPU thread`
      : `${semantics} (written before arm semantics were recorded): exit serviced requests on the vCPU thread, as inline does now`,
  );
  return rows;
}
