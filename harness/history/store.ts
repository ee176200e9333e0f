// The results history: one SQLite file (default results/history.sqlite), no
// server. Each recorded run keeps its whole results.json (every sample, the
// hosts, the scenarios) plus one row per sample and metric for trend queries.
// Every write is one transaction: a refused or failed add leaves the file as
// it was.

import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { paths } from '../paths.js';
import type { ResultSet, Place } from '../results/schema.js';
import { validateResults } from '../results/validate.js';
import { usableSamples } from '../results/usable.js';

export class HistoryError extends Error {
  override name = 'HistoryError';
}

const HISTORY_FORMAT = 'kickbench/history';
const HISTORY_VERSION = 1;

export function defaultHistoryFile(): string {
  return join(paths.results(), 'history.sqlite');
}

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  run_key TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  added_at TEXT NOT NULL,
  results_json TEXT NOT NULL
);
CREATE TABLE samples (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  sample_id TEXT NOT NULL,
  scenario TEXT NOT NULL,
  host TEXT NOT NULL,
  hostname TEXT NOT NULL,
  place TEXT NOT NULL,
  commit_id TEXT NOT NULL,
  vmm TEXT NOT NULL,
  arm TEXT NOT NULL,
  mode TEXT NOT NULL,
  started_at TEXT NOT NULL,
  metric TEXT NOT NULL,
  status TEXT NOT NULL,
  value REAL
);
CREATE INDEX samples_by_group ON samples (scenario, hostname, place, metric);
`;

export interface HistoryRun {
  id: number;
  source: string;
  createdAt: string;
  addedAt: string;
}

export interface MetricRow {
  runId: number;
  createdAt: string;
  scenario: string;
  hostname: string;
  place: Place;
  commit: string;
  vmm: string;
  arm: string;
  value: number;
}

function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    return n === 0 || head.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

/** The commit a sample's kickvmm was built at: ab's build record, else the run's checkout. */
function commitOf(rs: ResultSet, vmm: string, host: string): string {
  return rs.builds?.[vmm]?.commit ?? rs.hosts[host]?.gitCommit ?? rs.tool.gitCommit ?? 'unknown';
}

/** What makes two files the same run: when it was made and every sample's id and start. */
export function runKey(rs: ResultSet): string {
  const h = createHash('sha256').update(rs.createdAt);
  for (const s of rs.samples) h.update(`\n${s.id}\t${s.startedAt}\t${s.host}`);
  return h.digest('hex');
}

export class History {
  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  /** Opens (creating it with `create`) a history file; one-line HistoryError when it is not one. */
  static open(file: string, opts: { create?: boolean } = {}): History {
    const exists = existsSync(file);
    if (!exists && !opts.create)
      throw new HistoryError(`${file}: no history yet (kickbench history add RUN creates it)`);
    if (exists && !isSqliteFile(file))
      throw new HistoryError(`${file}: not a kickbench history database (not SQLite; corrupt or another file)`);
    if (!exists) mkdirSync(dirname(file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: exists });
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
      if (tables.length === 0) {
        db.transaction(() => {
          db.exec(SCHEMA);
          db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run(
            'format',
            HISTORY_FORMAT,
            'version',
            String(HISTORY_VERSION),
          );
        })();
      } else {
        const get = (k: string) =>
          tables.includes('meta')
            ? (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(k) as string | undefined)
            : undefined;
        if (get('format') !== HISTORY_FORMAT) throw new Error('an SQLite database, but not a kickbench history');
        const v = Number(get('version'));
        if (v > HISTORY_VERSION) throw new Error(`history version ${v}: this kickbench reads up to ${HISTORY_VERSION}`);
      }
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      throw new HistoryError(`${file}: not a usable kickbench history database (${msg})`);
    }
    return new History(file, db);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Records a results set. Refuses a run already recorded, and (with
   * `expectHost`) one from another host. Nothing is written unless all is.
   */
  add(rs: ResultSet, source: string, opts: { expectHost?: string; now?: Date } = {}): HistoryRun {
    validateResults(rs, source);
    if (opts.expectHost) {
      const names = [...new Set(Object.values(rs.hosts).map((h) => h.hostname))];
      if (!names.includes(opts.expectHost))
        throw new HistoryError(
          `${source}: ran on ${names.join(', ') || 'no host'}, not on ${opts.expectHost} (--host)`,
        );
    }
    const measured = usableSamples(rs.samples);
    if (measured.length === 0) throw new HistoryError(`${source}: no successful measured sample to record`);
    const key = runKey(rs);
    const addedAt = (opts.now ?? new Date()).toISOString();
    const insertRun = this.db.prepare(
      'INSERT INTO runs (run_key, source, created_at, added_at, results_json) VALUES (?, ?, ?, ?, ?)',
    );
    const insertSample = this.db.prepare(
      `INSERT INTO samples (run_id, sample_id, scenario, host, hostname, place, commit_id, vmm, arm, mode, started_at, metric, status, value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.db.transaction((): HistoryRun => {
      const dup = this.db.prepare('SELECT id, source, added_at FROM runs WHERE run_key = ?').get(key) as
        { id: number; source: string; added_at: string } | undefined;
      if (dup)
        throw new HistoryError(
          `${source}: already recorded as run ${dup.id} (from ${dup.source}, added ${dup.added_at}); nothing added`,
        );
      const id = Number(insertRun.run(key, source, rs.createdAt, addedAt, JSON.stringify(rs)).lastInsertRowid);
      for (const s of measured) {
        const hostname = rs.hosts[s.host]?.hostname ?? s.host;
        const commit = commitOf(rs, s.vmm, s.host);
        for (const [metric, m] of Object.entries(s.metrics))
          insertSample.run(
            id,
            s.id,
            s.scenario,
            s.host,
            hostname,
            s.where,
            commit,
            s.vmm,
            s.arm,
            s.mode,
            s.startedAt,
            metric,
            m.status,
            m.value,
          );
      }
      return { id, source, createdAt: rs.createdAt, addedAt };
    })();
  }

  /** Every usable value of a metric, oldest run first. */
  metricRows(filter: { metric: string; scenario?: string; hostname?: string; place?: string }): MetricRow[] {
    const where = ['s.metric = ?', "s.status = 'ok'"];
    const args: string[] = [filter.metric];
    for (const [col, v] of [
      ['s.scenario', filter.scenario],
      ['s.hostname', filter.hostname],
      ['s.place', filter.place],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    return this.db
      .prepare(
        `SELECT s.run_id AS runId, r.created_at AS createdAt, s.scenario, s.hostname, s.place, s.commit_id AS "commit", s.vmm, s.arm, s.value
         FROM samples s JOIN runs r ON r.id = s.run_id WHERE ${where.join(' AND ')} ORDER BY r.created_at, s.run_id, s.started_at`,
      )
      .all(...args) as MetricRow[];
  }

  runs(): HistoryRun[] {
    return this.db
      .prepare('SELECT id, source, created_at AS createdAt, added_at AS addedAt FROM runs ORDER BY created_at, id')
      .all() as HistoryRun[];
  }

  /** The recorded results sets, newest first. */
  resultSets(): { id: number; rs: ResultSet }[] {
    const rows = this.db.prepare('SELECT id, results_json FROM runs ORDER BY created_at DESC, id DESC').all() as {
      id: number;
      results_json: string;
    }[];
    return rows.map((r) => ({ id: r.id, rs: JSON.parse(r.results_json) as ResultSet }));
  }
}
