// Shape checks for results.json, driven by the zod schema in schema.ts. Every
// problem is reported as one line that names the file and the field path, so
// a broken CI artifact is easy to fix.

import type { z } from 'zod';
import { describeValue, RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION, ResultSetSchema, type ResultSet } from './schema.js';

export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}

type Obj = Record<string, unknown>;
type Path = readonly PropertyKey[];
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "samples[1] (quick/ioeventfd/0).metrics.put_block.value": samples are named by their id too. */
function formatPath(root: unknown, path: Path): string {
  let out = '';
  let node: unknown = root;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      const item = Array.isArray(node) ? node[key] : undefined;
      if (node === (root as Obj).samples && isObj(item) && typeof item.id === 'string') out += ` (${item.id})`;
      node = item;
    } else {
      out += `${out ? '.' : ''}${String(key)}`;
      node = isObj(node) ? node[String(key)] : undefined;
    }
  }
  return out;
}

/** Where a path sits in the document, so the first problem reported is the first in the file. */
function documentPosition(root: unknown, path: Path): number[] {
  const pos: number[] = [];
  let node: unknown = root;
  for (const key of path) {
    if (typeof key === 'number') {
      pos.push(key);
      node = Array.isArray(node) ? node[key] : undefined;
    } else {
      const index = isObj(node) ? Object.keys(node).indexOf(String(key)) : -1;
      pos.push(index < 0 ? Number.MAX_SAFE_INTEGER : index);
      node = isObj(node) ? node[String(key)] : undefined;
    }
  }
  return pos;
}

function compareDocumentPositions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** One line: the first problem in document order, and how many more there are. */
export function formatIssues(source: string, root: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const ordered = issues
    .map((issue) => ({ issue, pos: documentPosition(root, issue.path) }))
    .sort((a, b) => compareDocumentPositions(a.pos, b.pos));
  const first = ordered[0].issue;
  const where = formatPath(root, first.path);
  const n = issues.length - 1;
  const more = n > 0 ? ` (and ${n} more problem${n > 1 ? 's' : ''})` : '';
  return `${source}: ${where ? `${where}: ` : ''}${first.message}${more}`.replace(/[\r\n]+/g, ' ');
}

/**
 * Checks that `obj` is a results set this version can read and returns it typed.
 * Throws ResultsError with one line: "<source>: <field path>: <problem>".
 * Unknown extra fields are allowed (later compatible additions) and kept.
 */
export function validateResults(obj: unknown, source = 'results'): ResultSet {
  // The header first: a file that is not ours, or from a newer kickbench, gets a sentence of its own.
  if (!isObj(obj))
    throw new ResultsError(`${source}: expected a JSON object at the top level, got ${describeValue(obj)}`);
  if (obj.schema !== RESULTS_SCHEMA_ID) {
    throw new ResultsError(
      `${source}: schema: expected "${RESULTS_SCHEMA_ID}", got ${describeValue(obj.schema)} (not a kickbench results file?)`,
    );
  }
  const v = obj.version;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ResultsError(`${source}: version: expected a positive integer, got ${describeValue(v)}`);
  }
  if (v > RESULTS_SCHEMA_VERSION) {
    throw new ResultsError(
      `${source}: written with results schema version ${v}, ` +
        `but this kickbench reads only up to version ${RESULTS_SCHEMA_VERSION}; upgrade kickbench to read it`,
    );
  }
  if (v !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsError(
      `${source}: version: ${v} is not supported (this kickbench reads version ${RESULTS_SCHEMA_VERSION})`,
    );
  }
  const parsed = ResultSetSchema.safeParse(obj);
  if (!parsed.success) throw new ResultsError(formatIssues(source, obj, parsed.error.issues));
  // The input itself, not zod's copy: unknown fields survive a read-modify-write.
  return obj as unknown as ResultSet;
}
