// run.json: what a run was asked to do (its scenarios as they were, seed, order,
// overrides), written before the first sample, so `kickbench run --resume DIR`
// rebuilds exactly the same plan and finishes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KickMode } from '../results/schema.js';
import type { SequentialOptions } from './sequential.js';
import { writeJsonAtomic } from '../results/io.js';
import { validateScenario, type Scenario } from '../scenarios/scenario.js';
import type { PlaceRequest } from '../launch/place.js';

export const MANIFEST_FILE = 'run.json';

export interface RunManifest {
  kickbenchRun: 1;
  /** the scenario definitions as loaded (not re-read from scenarios/ on resume) */
  scenarios: Omit<Scenario, 'file'>[];
  seed: number;
  order?: 'abba' | 'random';
  aaMode?: KickMode;
  repetitions?: number;
  warmup?: number;
  where?: PlaceRequest;
  vmmLabel?: string;
  keepDisks?: boolean;
  rigBatch?: number;
  /** `--until-decided`: a resumed run keeps taking its looks */
  untilDecided?: SequentialOptions;
}

export function writeManifest(outDir: string, m: RunManifest): void {
  writeJsonAtomic(join(outDir, MANIFEST_FILE), m);
}

/** Reads and checks run.json; one-line errors name the file. */
export function readManifest(outDir: string): RunManifest & { scenarios: Scenario[] } {
  const file = join(outDir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      `${file}: ${err.code === 'ENOENT' ? 'missing, so this run cannot be resumed (it predates --resume?)' : `unreadable: ${err.message}`}`,
      { cause: e },
    );
  }
  const m = raw as Partial<RunManifest>;
  if (!m || typeof m !== 'object' || m.kickbenchRun !== 1 || !Array.isArray(m.scenarios) || typeof m.seed !== 'number')
    throw new Error(`${file}: not a kickbench run manifest`);
  const scenarios = m.scenarios.map((s, i) => validateScenario(s, `${file} scenarios[${i}]`));
  return { ...(m as RunManifest), scenarios };
}
