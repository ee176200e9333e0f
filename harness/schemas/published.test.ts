import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { PUBLISHED_SCHEMAS, committedSchema, schemaText } from './published.js';
import { syntheticResultSet } from '../results/synthetic.js';

// ajv is CommonJS; its 2020-12 build is a subpath without ESM typings.
const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default as new (opts: object) => {
  compile: (schema: object) => ValidateFunction;
};

/** A validator for one committed schema file, by an independent JSON Schema implementation. */
export function committedValidator(file: string): ValidateFunction {
  const published = PUBLISHED_SCHEMAS.find((s) => s.file === file);
  assert.ok(published, `no published schema ${file}`);
  return new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(committedSchema(published)));
}

for (const s of PUBLISHED_SCHEMAS) {
  test(`schemas/${s.file} is what the zod schema generates (regenerate: node dist/harness/schemas/published.js --write)`, () => {
    assert.equal(committedSchema(s), schemaText(s));
  });
}

test('the published results schema accepts a results set and rejects what the validator rejects', () => {
  const validate = committedValidator('results.schema.json');
  const rs = syntheticResultSet({ seed: 5, n: 2, probe: true });
  assert.equal(validate(rs), true, JSON.stringify(validate.errors));
  assert.equal(validate({ ...rs, futureField: 1 }), true, 'unknown fields are allowed, as by the validator');

  const badMode = structuredClone(rs) as unknown as { samples: { mode: string }[] };
  badMode.samples[0].mode = 'fast';
  assert.equal(validate(badMode), false);
  assert.match(JSON.stringify(validate.errors), /\/samples\/0\/mode/);

  const badStatus = structuredClone(rs) as unknown as { samples: { metrics: Record<string, { value: unknown }> }[] };
  badStatus.samples[0].metrics.put_block.value = 'fast';
  assert.equal(validate(badStatus), false);
  assert.equal(validate({ ...rs, version: 2 }), false);
  assert.equal(validate({ ...rs, samples: undefined }), false);
});
