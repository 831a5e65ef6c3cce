// Writes the JSON Schema of environment files from the zod schema. A test fails when it is stale.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { environmentJsonSchema, ENVIRONMENT_JSON_SCHEMA_PATH } from '@b2connect/k8s-lib/pipeline';

const file = join(__dirname, '..', ENVIRONMENT_JSON_SCHEMA_PATH);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, environmentJsonSchema());
console.log(`wrote ${ENVIRONMENT_JSON_SCHEMA_PATH}`);
