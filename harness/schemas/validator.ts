// For tests: a validator for one committed schemas/*.schema.json file, by an
// independent JSON Schema implementation (ajv, a dev dependency).

import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { PUBLISHED_SCHEMAS, committedSchema } from './published.js';

// ajv is CommonJS; its 2020-12 build is a subpath without ESM typings.
const require = createRequire(import.meta.url);

export function committedValidator(file: string): ValidateFunction {
  const published = PUBLISHED_SCHEMAS.find((s) => s.file === file);
  if (!published) throw new Error(`no published schema ${file}`);
  const Ajv2020 = require('ajv/dist/2020').default as new (opts: object) => {
    compile: (schema: object) => ValidateFunction;
  };
  return new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(committedSchema(published)));
}
