import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/**
 * Validation of custom resources against the `openAPIV3Schema` of their CRD (files in `crds/`).
 * Kubernetes prunes unknown fields of structural schemas silently; here they are errors: every object
 * schema with `properties` and without `x-kubernetes-preserve-unknown-fields` gets
 * `additionalProperties: false`.
 */

/** Folder of the copied upstream CRD files. */
export const CRD_DIR = join(__dirname, '..', '..', 'crds');

type Schema = Record<string, unknown>;
interface CrdVersion {
  readonly schema: Schema;
  readonly namespaced: boolean;
}

const index = new Map<string, CrdVersion>();
const loadedGroups = new Set<string>();
const compiled = new Map<string, ValidateFunction>();
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

let filesByGroup: Map<string, string[]> | undefined;

/** Which CRD files define which API groups, from a cheap scan of their `group:` lines. */
function groupFiles(): Map<string, string[]> {
  if (filesByGroup) return filesByGroup;
  filesByGroup = new Map();
  for (const dir of readdirSync(CRD_DIR, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(CRD_DIR, dir.name)).filter((f) => f.endsWith('.yaml'))) {
      const path = join(CRD_DIR, dir.name, file);
      for (const m of readFileSync(path, 'utf8').matchAll(/^ {2}group: (\S+)$/gm)) {
        const files = filesByGroup.get(m[1]!) ?? [];
        if (!files.includes(path)) filesByGroup.set(m[1]!, [...files, path]);
      }
    }
  }
  return filesByGroup;
}

/** Parses the CRD files of one API group, on first use. */
function loadGroup(apiVersion: string): Map<string, CrdVersion> {
  const group = apiVersion.split('/')[0]!;
  if (loadedGroups.has(group)) return index;
  loadedGroups.add(group);
  {
    for (const path of groupFiles().get(group) ?? []) {
      for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
        const crd = doc.toJS() as {
          kind?: string;
          spec?: {
            group: string;
            scope: string;
            names: { kind: string };
            versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[];
          };
        };
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
        for (const v of crd.spec.versions) {
          if (!v.served || !v.schema?.openAPIV3Schema) continue;
          index.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, {
            schema: v.schema.openAPIV3Schema,
            namespaced: crd.spec.scope === 'Namespaced',
          });
        }
      }
    }
  }
  return index;
}

/** Whether a CRD in `crds/` serves this apiVersion and kind. */
export function isKnownCustomResource(apiVersion: string, kind: string): boolean {
  return loadGroup(apiVersion).has(`${apiVersion}/${kind}`);
}

/** Whether a known custom resource kind is namespaced. */
export function isNamespacedCustomResource(apiVersion: string, kind: string): boolean | undefined {
  return loadGroup(apiVersion).get(`${apiVersion}/${kind}`)?.namespaced;
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

function validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion}/${kind}`;
  const crd = loadGroup(apiVersion).get(key);
  if (!crd) return undefined;
  let fn = compiled.get(key);
  if (!fn) {
    const schema = strictSchema(crd.schema) as Schema;
    // Object metadata is checked by the API server, not the CRD: allow it whole.
    const properties = {
      ...(schema.properties as Schema | undefined),
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
    };
    fn = ajv.compile({ ...schema, type: 'object', properties, additionalProperties: false });
    compiled.set(key, fn);
  }
  return fn;
}

/** Problems of a custom resource as `path: message`; undefined when no CRD describes it. */
export function validateCustomResource(object: { apiVersion: string; kind: string }): string[] | undefined {
  const fn = validatorFor(object.apiVersion, object.kind);
  if (!fn) return undefined;
  if (fn(object)) return [];
  return (fn.errors ?? []).map(describe);
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
