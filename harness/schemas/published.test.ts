import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLISHED_SCHEMAS, committedSchema, schemaText } from './published.js';
import { committedValidator } from './validator.js';
import { syntheticResultSet } from '../results/synthetic.js';

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
