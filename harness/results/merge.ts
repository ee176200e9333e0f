// Merging results files from several hosts (a CI matrix) into one set.
// Nothing is averaged or dropped here: every sample is kept, and each keeps
// the host it ran on so statistics never pool two machines by accident.

import type { Completion, HostEnvironment, ResultSet, Sample, ScenarioRecord } from './schema.js';
import { ResultsError } from './validate.js';
import { completionOf } from './completion.js';

export interface MergeOptions {
  /** keep one copy of a sample seen twice (with a warning) instead of refusing the merge */
  dedupe?: boolean;
  /** where de-duplication warnings go */
  warn?: (message: string) => void;
}

/** The identity of a run: everything it recorded except its id, with its host's environment instead of the host key. */
function sampleIdentity(s: Sample, env: HostEnvironment | undefined): string {
  return canonicalJson({ ...s, id: undefined, host: env ?? s.host });
}

const STATE_RANK: Record<Completion['state'], number> = { complete: 0, incomplete: 1, running: 2, interrupted: 3 };
import { armSemanticsOf, mixedArmSemantics } from './arms.js';

/** Where a merged set came from; optional, older readers ignore it. */
export interface MergeSource {
  createdAt: string;
  order: string;
  toolVersion: string;
  gitCommit: string | null;
  hosts: string[];
  samples: number;
}

export type MergedResultSet = ResultSet & { mergedFrom?: MergeSource[] };

/** JSON with sorted keys, so equal objects compare equal whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** First differing field path between two JSON values, for error messages. */
function firstDifference(a: unknown, b: unknown, path: string): string {
  if (canonicalJson(a) === canonicalJson(b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v).slice(0, 60));
  return `${path}: ${show(a)} vs ${show(b)}`;
}

function uniqueKey(base: string, taken: Set<string>, sep: string): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const k = `${base}${sep}${n}`;
    if (!taken.has(k)) return k;
  }
}

/**
 * Combines result sets. Scenarios are unioned by name (two different
 * definitions under one name is an error); hosts are unioned (the same key with
 * a different environment is re-keyed "<key>#2"); samples are all kept (a
 * clashing id is re-keyed "<id>@<host>"). Refuses mixed schema versions,
 * mixing A/A with A/B runs, and a sample seen twice (the same run in two
 * inputs, e.g. one file merged twice), unless opts.dedupe keeps one copy.
 * The merged completion adds up the inputs' plans and keeps the worst state.
 */
export function mergeResults(sets: ResultSet[], labels?: string[], opts: MergeOptions = {}): MergedResultSet {
  if (sets.length === 0) throw new ResultsError('merge: no result sets given');
  const name = (i: number) => labels?.[i] ?? `input ${i + 1}`;

  const first = sets[0];
  sets.forEach((rs, i) => {
    if (rs.schema !== first.schema || rs.version !== first.version) {
      throw new ResultsError(
        `merge: ${name(i)} is ${rs.schema} version ${rs.version} but ${name(0)} is ${first.schema} version ${first.version}; ` +
          're-run or convert one of them, versions cannot be mixed',
      );
    }
    if (Boolean(rs.aa) !== Boolean(first.aa)) {
      throw new ResultsError(
        `merge: ${name(i)} is ${rs.aa ? 'an A/A' : 'an A/B'} run but ${name(0)} is not; merge A/A and A/B runs separately`,
      );
    }
    const mixed = mixedArmSemantics(first, rs, [name(0), name(i)]);
    if (mixed) throw new ResultsError(`merge: ${mixed}; merge them separately`);
  });

  const scenarios = new Map<string, { rec: ScenarioRecord; from: number }>();
  sets.forEach((rs, i) => {
    for (const sc of rs.scenarios) {
      const seen = scenarios.get(sc.name);
      if (!seen) {
        scenarios.set(sc.name, { rec: structuredClone(sc), from: i });
      } else if (canonicalJson(seen.rec.definition) !== canonicalJson(sc.definition)) {
        const diff = firstDifference(seen.rec.definition, sc.definition, 'definition');
        throw new ResultsError(
          `merge: scenario "${sc.name}" is defined differently in ${name(seen.from)} and ${name(i)} (${diff}); rename one or re-run with the same definition`,
        );
      }
    }
  });

  const hosts: Record<string, HostEnvironment> = {};
  const samples: Sample[] = [];
  const sampleIds = new Set<string>();
  const sources: MergeSource[] = [];
  const seen = new Map<string, { input: number; id: string }>();
  let dropped = 0;

  sets.forEach((rs, i) => {
    // Map this set's host keys into the merged host table.
    const hostMap = new Map<string, string>();
    for (const [key, env] of Object.entries(rs.hosts)) {
      const same = Object.entries(hosts).find(
        ([k, e]) => (k === key || k.startsWith(`${key}#`)) && canonicalJson(e) === canonicalJson(env),
      );
      if (same) {
        hostMap.set(key, same[0]);
      } else {
        const newKey = uniqueKey(key, new Set(Object.keys(hosts)), '#');
        hosts[newKey] = structuredClone(env);
        hostMap.set(key, newKey);
      }
    }
    for (const s of rs.samples) {
      const identity = sampleIdentity(s, rs.hosts[s.host]);
      const first = seen.get(identity);
      if (first) {
        const what = `sample ${s.id} of ${name(i)} is the same run as ${first.id} of ${name(first.input)}`;
        if (!opts.dedupe)
          throw new ResultsError(
            `merge: ${what} (the same file merged twice?); refusing to count it twice (--dedupe keeps one copy)`,
          );
        opts.warn?.(`merge: ${what}: kept one copy`);
        if (!s.warmup) dropped++;
        continue;
      }
      seen.set(identity, { input: i, id: s.id });
      const copy = structuredClone(s);
      copy.host = hostMap.get(s.host) ?? s.host;
      if (sampleIds.has(copy.id)) copy.id = uniqueKey(`${s.id}@${copy.host}`, sampleIds, '#');
      sampleIds.add(copy.id);
      samples.push(copy);
    }
    sources.push({
      createdAt: rs.createdAt,
      order: rs.order,
      toolVersion: rs.tool.version,
      gitCommit: rs.tool.gitCommit ?? null,
      hosts: [...new Set(Object.keys(rs.hosts).map((k) => hostMap.get(k) ?? k))],
      samples: rs.samples.length,
    });
  });

  const completions = sets.map(completionOf);
  const completion: Completion = {
    planned: completions.reduce((n, c) => n + c.planned, 0) - dropped,
    done: samples.filter((x) => !x.warmup && x.status === 'ok').length,
    state: completions.reduce<Completion['state']>(
      (worst, c) => (STATE_RANK[c.state] > STATE_RANK[worst] ? c.state : worst),
      'complete',
    ),
  };
  const seeds = [...new Set(sets.map((rs) => rs.seed))];
  const orders = [...new Set(sets.map((rs) => rs.order))];
  const createdAt = sets
    .map((rs) => rs.createdAt)
    .sort()
    .at(-1)!;
  const merged: MergedResultSet = {
    schema: first.schema,
    version: first.version,
    createdAt,
    tool: structuredClone(first.tool),
    order: orders.length === 1 ? orders[0] : `mixed:${orders.join(',')}`,
    ...(first.aa !== undefined ? { aa: first.aa } : {}),
    ...(seeds.length === 1 && seeds[0] !== undefined ? { seed: seeds[0] } : {}),
    completion,
    // Equal across the inputs whenever any has exit samples (checked above); else the oldest, to claim no more.
    ...(sets.some((rs) => rs.armSemantics !== undefined)
      ? { armSemantics: Math.min(...sets.map(armSemanticsOf)) }
      : {}),
    scenarios: [...scenarios.values()].map((s) => s.rec),
    hosts,
    samples,
    mergedFrom: sources,
  };
  return merged;
}
