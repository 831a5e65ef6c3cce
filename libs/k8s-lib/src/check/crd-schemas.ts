import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { parseAllDocuments } from 'yaml';
import { writeFilesAtomically } from '../files';

/**
 * Validation of custom resources against the `openAPIV3Schema` of their CRD (files in `crds/`).
 * Kubernetes prunes unknown fields of structural schemas silently; here they are errors: every object
 * schema with `properties` and without `x-kubernetes-preserve-unknown-fields` gets
 * `additionalProperties: false`.
 */

/** Folder of the copied upstream CRD files. */
export const CRD_DIR = join(__dirname, '..', '..', 'crds');

type Schema = Record<string, unknown>;

const compiled = new Map<string, ValidateFunction>();
// `code.source` keeps the generated code, so that a compiled validator can be cached on disk.
const AJV_OPTIONS = { strict: false, allErrors: true, validateFormats: false, code: { source: true } } as const;
const ajv = new Ajv(AJV_OPTIONS);

/**
 * Parsed and prepared CRD schemas are cached as JSON (the big CRD files take a second to parse as YAML),
 * compiled validators as JavaScript. `B2CONNECT_CRD_CACHE` moves the folder (tests).
 */
const CACHE_DIR = process.env.B2CONNECT_CRD_CACHE ?? join(__dirname, '..', '..', '..', '..', 'node_modules', '.cache', 'b2connect-crds');
/** Everything besides the CRD files that shapes the index: the YAML parser and the code that prepares schemas. */
const indexKey = () =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- versions are part of the cache key
  [(require('yaml/package.json') as { version: string }).version, strictSchema.toString(), prepared.toString()].join('\0');
/** Everything besides the schema that shapes a compiled validator: ajv and its options. */
const validatorKey = () =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- versions are part of the cache key
  [(require('ajv/package.json') as { version: string }).version, JSON.stringify(AJV_OPTIONS)].join('\0');

let strictSchemas: Map<string, Schema> | undefined;

/**
 * The strict schema of every served version of every CRD in crds/, by `group/version/Kind`. Built once
 * from the YAML files and cached as one JSON file keyed by their content: a process reads a few hundred
 * kilobytes instead of parsing megabytes of YAML.
 */
function strictSchemaIndex(): Map<string, Schema> {
  if (strictSchemas) return strictSchemas;
  const files = readdirSync(CRD_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(CRD_DIR, d.name))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(d.name, f)),
    )
    .sort();
  const texts = files.map((f) => readFileSync(join(CRD_DIR, f), 'utf8'));
  const key = createHash('sha256').update(indexKey());
  files.forEach((f, i) => key.update('\0').update(f).update('\0').update(texts[i]!));
  const cached = join(CACHE_DIR, `strict-index-${key.digest('hex')}.json`);
  try {
    strictSchemas = new Map(Object.entries(JSON.parse(readFileSync(cached, 'utf8')) as Record<string, Schema>));
    return strictSchemas;
  } catch {
    // Not cached yet: build below.
  }
  strictSchemas = new Map();
  for (const text of texts) {
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as {
        kind?: string;
        spec?: {
          group: string;
          names: { kind: string };
          versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[];
        };
      };
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) {
        if (!v.served || !v.schema?.openAPIV3Schema) continue;
        strictSchemas.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, prepared(v.schema.openAPIV3Schema));
      }
    }
  }
  try {
    writeFilesAtomically(CACHE_DIR, new Map([[basename(cached), JSON.stringify(Object.fromEntries(strictSchemas))]]));
  } catch {
    // A read-only checkout still validates, only slower.
  }
  return strictSchemas;
}

/** A CRD version's schema as validated here: strict, and the object's envelope allowed. */
function prepared(openAPIV3Schema: Schema): Schema {
  const strict = strictSchema(openAPIV3Schema) as Schema;
  // Object metadata is checked by the API server, not the CRD: allow it whole.
  const properties = {
    ...(strict.properties as Schema | undefined),
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
  };
  return { ...strict, type: 'object', properties, additionalProperties: false };
}

/** Makes a structural schema strict and turns Kubernetes extensions into plain JSON Schema. */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strictSchema(v)]));
    } else if (key === 'description' || key.startsWith('x-kubernetes-validations')) {
      continue;
    } else {
      out[key] = strictSchema(value);
    }
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (s.type === 'object' && s.properties && s.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every key that appears in any of the values, recursively: the shape a schema must cover. */
function mergedShape(values: readonly unknown[]): unknown {
  const objects = values.filter(isPlain);
  if (objects.length === 0) return values.find((v) => Array.isArray(v)) ? values.filter(Array.isArray).flat() : values[0];
  const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  return Object.fromEntries(keys.map((k) => [k, mergedShape(objects.map((o) => o[k]).filter((v) => v !== undefined))]));
}

/**
 * The part of a schema that an object's shape reaches. CRD schemas run to megabytes (CloudNativePG's
 * Cluster, Argo CD's ApplicationSet) and compiling them whole costs seconds; a schema cut down to the
 * properties the object has, with `required` and `additionalProperties: false` kept, finds exactly the
 * same problems in milliseconds.
 */
export function restrictSchema(schema: unknown, value: unknown): unknown {
  if (!isPlain(schema)) return schema;
  const out: Schema = { ...schema };
  if (isPlain(schema.properties)) {
    const props = schema.properties;
    out.properties = isPlain(value)
      ? Object.fromEntries(
          Object.keys(value)
            .filter((k) => k in props)
            .map((k) => [k, restrictSchema(props[k], value[k])]),
        )
      : {};
  }
  if (isPlain(schema.additionalProperties)) {
    out.additionalProperties = isPlain(value) ? restrictSchema(schema.additionalProperties, mergedShape(Object.values(value))) : {};
  }
  if (isPlain(schema.items)) out.items = Array.isArray(value) ? restrictSchema(schema.items, mergedShape(value)) : {};
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(schema[k])) out[k] = (schema[k] as unknown[]).map((s) => restrictSchema(s, value));
  }
  return out;
}

/** Problems of a custom resource as `path: message`; undefined when no CRD describes it. */
export function validateCustomResource(object: { apiVersion: string; kind: string }): string[] | undefined {
  const schema = strictSchemaIndex().get(`${object.apiVersion}/${object.kind}`);
  if (!schema) return undefined;
  const fn = validatorFor(restrictSchema(schema, object) as Schema);
  if (fn(object)) return [];
  return (fn.errors ?? []).map(describe);
}

/**
 * The compiled validator of a (restricted) schema. Compiling is most of the cost of validating a custom
 * resource, so the generated code is also cached on disk, keyed by the schema and the ajv version: the
 * next process loads it instead of compiling again.
 */
function validatorFor(schema: Schema): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (fn) return fn;
  const file = join(CACHE_DIR, `validator-${createHash('sha256').update(validatorKey()).update('\0').update(key).digest('hex')}.js`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- generated by ajv's standalone mode (below)
    fn = require(file) as ValidateFunction;
    if (typeof fn !== 'function') throw new Error(`${file}: not a validator`);
  } catch {
    fn = ajv.compile(schema);
    try {
      writeFilesAtomically(CACHE_DIR, new Map([[basename(file), standaloneCode(ajv, fn)]]));
    } catch {
      // The cache only saves time.
    }
  }
  compiled.set(key, fn);
  return fn;
}

function describe(e: ErrorObject): string {
  const path = e.instancePath
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') {
    const field = (e.params as { additionalProperty: string }).additionalProperty;
    return `${path ? `${path}.` : ''}${field}: unknown field`;
  }
  return `${path || '(object)'}: ${e.message ?? 'invalid'}`;
}
