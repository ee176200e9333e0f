// The JSON Schemas kickbench publishes under schemas/, generated from the same
// zod schemas its validators use. `node dist/harness/schemas/published.js --write`
// regenerates the committed files; a test fails when they drift.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { repoRoot } from '../paths.js';
import { REPORT_SCHEMA_ID, REPORT_SCHEMA_VERSION, ReportJsonSchema } from '../report/json.js';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION, ResultSetSchema } from '../results/schema.js';

export interface PublishedSchema {
  /** file name under schemas/ */
  file: string;
  build: () => Record<string, unknown>;
}

/** JSON Schema 2020-12 of what the validator accepts (io: 'input', so unknown fields stay allowed). */
export function toPublishedJsonSchema(schema: z.ZodType, id: string, version: number): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = json;
  return {
    $schema,
    $id: `urn:${id.replace("/", ":")}:v${version}`,
    ...rest,
    $comment:
      `Generated from kickbench's zod schema (${id} version ${version}); do not edit. ` +
      'Cross-references (unique ids, sample hosts and scenarios defined in the set) are checked by kickbench itself.',
  };
}

export const PUBLISHED_SCHEMAS: PublishedSchema[] = [
  {
    file: 'results.schema.json',
    build: () => toPublishedJsonSchema(ResultSetSchema, RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION),
  },
  {
    file: 'report.schema.json',
    build: () => toPublishedJsonSchema(ReportJsonSchema, REPORT_SCHEMA_ID, REPORT_SCHEMA_VERSION),
  },
];

export const schemaText = (s: PublishedSchema): string => `${JSON.stringify(s.build(), null, 2)}\n`;
export const schemaPath = (s: PublishedSchema): string => join(repoRoot(), 'schemas', s.file);
export const committedSchema = (s: PublishedSchema): string => readFileSync(schemaPath(s), 'utf8');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--write')) {
  for (const s of PUBLISHED_SCHEMAS) {
    writeFileSync(schemaPath(s), schemaText(s));
    process.stdout.write(`wrote ${schemaPath(s)}\n`);
  }
}
