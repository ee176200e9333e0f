// Shape checks for results.json. Every problem is reported as one line that
// names the file and the field path, so a broken CI artifact is easy to fix.

import {
  RESULTS_SCHEMA_ID,
  RESULTS_SCHEMA_VERSION,
  type ResultSet,
} from './schema.js';

export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}

type Obj = Record<string, unknown>;

const WHERE = ['hardware', 'emulating', 'nested'];
const MODES = ['exit', 'ioeventfd'];
const METRIC_STATUS = ['ok', 'too_fast', 'not_run'];
const KVM_KINDS = ['hardware', 'emulating', 'none'];

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Collects problems; the thrown error shows the first and counts the rest. */
class Checker {
  problems: string[] = [];
  fail(path: string, what: string): void {
    this.problems.push(`${path}: ${what}`);
  }
  obj(v: unknown, path: string): v is Obj {
    if (isObj(v)) return true;
    this.fail(path, `expected an object, got ${describe(v)}`);
    return false;
  }
  str(o: Obj, key: string, path: string, optional = false): void {
    const v = o[key];
    if (v === undefined && optional) return;
    if (typeof v !== 'string') this.fail(`${path}.${key}`, `expected a string, got ${describe(v)}`);
  }
  strOrNull(o: Obj, key: string, path: string): void {
    const v = o[key];
    if (v === undefined || v === null) return;
    if (typeof v !== 'string') this.fail(`${path}.${key}`, `expected a string or null, got ${describe(v)}`);
  }
  oneOf(o: Obj, key: string, allowed: string[], path: string): void {
    const v = o[key];
    if (typeof v !== 'string' || !allowed.includes(v)) {
      this.fail(`${path}.${key}`, `expected one of ${allowed.join('|')}, got ${describe(v)}`);
    }
  }
  bool(o: Obj, key: string, path: string, optional = false): void {
    const v = o[key];
    if (v === undefined && optional) return;
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, `expected true or false, got ${describe(v)}`);
  }
  int(o: Obj, key: string, path: string, min = 0): void {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.fail(`${path}.${key}`, `expected an integer >= ${min}, got ${describe(v)}`);
    }
  }
  finite(o: Obj, key: string, path: string, opts: { min?: number; nullable?: boolean; optional?: boolean } = {}): void {
    const v = o[key];
    if (v === undefined && opts.optional) return;
    if (v === null && opts.nullable) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.min !== undefined && v < opts.min)) {
      const range = opts.min !== undefined ? ` >= ${opts.min}` : '';
      this.fail(`${path}.${key}`, `expected a finite number${range}${opts.nullable ? ' or null' : ''}, got ${describe(v)}`);
    }
  }
}

function checkMetric(c: Checker, m: unknown, path: string): void {
  if (!c.obj(m, path)) return;
  c.oneOf(m, 'status', METRIC_STATUS, path);
  c.str(m, 'unit', path);
  if (m.status === 'ok') {
    c.finite(m, 'value', path);
  } else if (m.value !== null) {
    c.fail(`${path}.value`, `expected null when status is ${describe(m.status)}, got ${describe(m.value)}`);
  }
  c.finite(m, 'cpu', path, { nullable: true, optional: true });
  c.finite(m, 'latency_us', path, { nullable: true, optional: true, min: 0 });
}

function checkSample(c: Checker, s: unknown, path: string, hosts: Obj | null, scenarios: Set<string>): void {
  if (!c.obj(s, path)) return;
  c.str(s, 'id', path);
  c.str(s, 'scenario', path);
  if (typeof s.scenario === 'string' && !scenarios.has(s.scenario)) {
    c.fail(`${path}.scenario`, `${describe(s.scenario)} is not listed in scenarios`);
  }
  c.str(s, 'vmm', path);
  c.oneOf(s, 'mode', MODES, path);
  c.str(s, 'arm', path);
  c.int(s, 'index', path);
  c.int(s, 'order', path);
  c.bool(s, 'warmup', path);
  c.oneOf(s, 'where', WHERE, path);
  c.str(s, 'host', path);
  if (typeof s.host === 'string' && hosts && !(s.host in hosts)) {
    c.fail(`${path}.host`, `${describe(s.host)} is not a key of hosts`);
  }
  c.oneOf(s, 'status', ['ok', 'failed'], path);
  c.str(s, 'error', path, true);
  c.str(s, 'startedAt', path);
  c.finite(s, 'wallSeconds', path, { min: 0 });
  if (c.obj(s.metrics, `${path}.metrics`)) {
    for (const [name, m] of Object.entries(s.metrics)) checkMetric(c, m, `${path}.metrics.${name}`);
  }
  if (s.vmmStats !== undefined) c.obj(s.vmmStats, `${path}.vmmStats`);
  if (c.obj(s.logs, `${path}.logs`)) {
    for (const key of ['console', 'stats', 'stderr']) c.str(s.logs, key, `${path}.logs`, true);
  }
}

function checkHost(c: Checker, h: unknown, path: string): void {
  if (!c.obj(h, path)) return;
  c.str(h, 'hostname', path);
  c.str(h, 'hostKernel', path);
  c.str(h, 'cpuModel', path);
  c.int(h, 'cpus', path, 1);
  c.finite(h, 'memoryMiB', path, { min: 0 });
  c.oneOf(h, 'kvmKind', KVM_KINDS, path);
  c.oneOf(h, 'where', WHERE, path);
  c.strOrNull(h, 'governor', path);
  c.strOrNull(h, 'thp', path);
  c.str(h, 'nodeVersion', path);
  c.strOrNull(h, 'gitCommit', path);
  if (h.gitDirty !== undefined && h.gitDirty !== null) c.bool(h, 'gitDirty', path);
  if (h.guest !== undefined && c.obj(h.guest, `${path}.guest`)) {
    for (const key of Object.keys(h.guest)) c.strOrNull(h.guest, key, `${path}.guest`);
  }
}

/**
 * Checks that `obj` is a results set this version can read and returns it typed.
 * Throws ResultsError with one line: "<source>: <field path>: <problem>".
 * Unknown extra fields are allowed (later compatible additions).
 */
export function validateResults(obj: unknown, source = 'results'): ResultSet {
  const c = new Checker();
  if (!isObj(obj)) throw new ResultsError(`${source}: expected a JSON object at the top level, got ${describe(obj)}`);
  if (obj.schema !== RESULTS_SCHEMA_ID) {
    throw new ResultsError(`${source}: schema: expected "${RESULTS_SCHEMA_ID}", got ${describe(obj.schema)} (not a kickbench results file?)`);
  }
  const v = obj.version;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ResultsError(`${source}: version: expected a positive integer, got ${describe(v)}`);
  }
  if (v > RESULTS_SCHEMA_VERSION) {
    throw new ResultsError(
      `${source}: written with results schema version ${v}, but this kickbench reads only up to version ${RESULTS_SCHEMA_VERSION}; upgrade kickbench to read it`,
    );
  }
  if (v !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsError(`${source}: version: ${v} is not supported (this kickbench reads version ${RESULTS_SCHEMA_VERSION})`);
  }

  c.str(obj, 'createdAt', '');
  if (c.obj(obj.tool, 'tool')) {
    if (obj.tool.name !== 'kickbench') c.fail('tool.name', `expected "kickbench", got ${describe(obj.tool.name)}`);
    c.str(obj.tool, 'version', 'tool');
    c.strOrNull(obj.tool, 'gitCommit', 'tool');
  }
  c.str(obj, 'order', '');
  c.bool(obj, 'aa', '', true);
  if (obj.completion !== undefined && c.obj(obj.completion, 'completion')) {
    c.int(obj.completion, 'planned', 'completion');
    c.int(obj.completion, 'done', 'completion');
    if (!['running', 'complete', 'incomplete', 'interrupted'].includes(obj.completion.state as string))
      c.fail('completion.state', `expected running, complete, incomplete or interrupted, got ${describe(obj.completion.state)}`);
  }

  const scenarioNames = new Set<string>();
  if (!Array.isArray(obj.scenarios)) {
    c.fail('scenarios', `expected an array, got ${describe(obj.scenarios)}`);
  } else {
    obj.scenarios.forEach((sc, i) => {
      const path = `scenarios[${i}]`;
      if (!c.obj(sc, path)) return;
      c.str(sc, 'name', path);
      c.obj(sc.definition, `${path}.definition`);
      if (typeof sc.name === 'string') {
        if (scenarioNames.has(sc.name)) c.fail(`${path}.name`, `duplicate scenario ${describe(sc.name)}`);
        scenarioNames.add(sc.name);
      }
    });
  }

  let hosts: Obj | null = null;
  if (c.obj(obj.hosts, 'hosts')) {
    hosts = obj.hosts;
    for (const [key, h] of Object.entries(obj.hosts)) checkHost(c, h, `hosts.${key}`);
  }

  if (!Array.isArray(obj.samples)) {
    c.fail('samples', `expected an array, got ${describe(obj.samples)}`);
  } else {
    const ids = new Set<string>();
    obj.samples.forEach((s, i) => {
      const label = isObj(s) && typeof s.id === 'string' ? `samples[${i}] (${s.id})` : `samples[${i}]`;
      checkSample(c, s, label, hosts, scenarioNames);
      if (isObj(s) && typeof s.id === 'string') {
        if (ids.has(s.id)) c.fail(`${label}.id`, 'duplicate sample id');
        ids.add(s.id);
      }
    });
  }

  if (c.problems.length > 0) {
    const more = c.problems.length > 1 ? ` (and ${c.problems.length - 1} more problem${c.problems.length > 2 ? 's' : ''})` : '';
    const first = c.problems[0].replace(/^\./, '');
    throw new ResultsError(`${source}: ${first}${more}`);
  }
  return obj as unknown as ResultSet;
}
