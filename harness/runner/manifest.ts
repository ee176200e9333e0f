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

/** The settings of a run that make its plan: recorded in run.json, reused as they were by --resume. */
export interface RecordedRunSettings {
  seed: number;
  order?: 'abba' | 'random';
  aaMode?: KickMode;
  /** override each scenario's repetitions / warmup */
  repetitions?: number;
  warmup?: number;
  /** the user's placement request; each scenario's Place follows decidePlace (launch/place.ts) */
  where?: PlaceRequest;
  /** label for the VMM build under test (e.g. a commit), recorded per sample */
  vmmLabel?: string;
  /** keep each sample's disk image even when the sample succeeds */
  keepDisks?: boolean;
  /** samples per outer-guest boot in the nested rig (default 8) */
  rigBatch?: number;
  /** `--until-decided --max-n N`: add rounds at pre-planned looks (one scenario only); a resumed run keeps taking them */
  untilDecided?: SequentialOptions;
}

// Every key of RecordedRunSettings, checked by the compiler: a new setting cannot be forgotten here.
const RECORDED: Record<keyof RecordedRunSettings, true> = {
  seed: true,
  order: true,
  aaMode: true,
  repetitions: true,
  warmup: true,
  where: true,
  vmmLabel: true,
  keepDisks: true,
  rigBatch: true,
  untilDecided: true,
};

/** Just the recorded settings of a run's options, or of a manifest. */
export function recordedSettings(o: RecordedRunSettings): RecordedRunSettings {
  const keys = Object.keys(RECORDED) as (keyof RecordedRunSettings)[];
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as unknown as RecordedRunSettings;
}

export interface RunManifest extends RecordedRunSettings {
  kickbenchRun: 1;
  /** the scenario definitions as loaded (not re-read from scenarios/ on resume) */
  scenarios: Omit<Scenario, 'file'>[];
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
