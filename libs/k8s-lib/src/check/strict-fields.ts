import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Unknown-field check against the Kubernetes 1.28 API.
 *
 * kubernetes-models validates types, required fields and enums but accepts misspelled fields, which
 * the API server would silently drop (or reject under strict field validation). The field catalogue
 * comes from the jsii assembly of cdk8s-plus-28, whose `k8s` module is generated from the 1.28
 * OpenAPI document: every struct records its Kubernetes schema id and each property its JSON name.
 */

type JsiiType =
  | { fqn: string }
  | { primitive: string }
  | { collection: { kind: 'array' | 'map'; elementtype: JsiiType } }
  | { union: { types: JsiiType[] } };

interface Struct {
  readonly fields: ReadonlyMap<string, JsiiType>;
}

interface Catalog {
  readonly structs: ReadonlyMap<string, Struct>;
  /** `group/version/Kind` (core group as `core`) -> fqn of the Kube<Kind>Props struct. */
  readonly roots: ReadonlyMap<string, string>;
}

let catalog: Catalog | undefined;

function loadCatalog(): Catalog {
  if (catalog) return catalog;
  const file = join(dirname(require.resolve('cdk8s-plus-28/package.json')), '.jsii');
  const assembly = JSON.parse(readFileSync(file, 'utf8')) as {
    types: Record<
      string,
      {
        kind: string;
        fqn: string;
        docs?: { custom?: { schema?: string } };
        properties?: { name: string; type: JsiiType; docs?: { custom?: { schema?: string } } }[];
      }
    >;
  };
  const structs = new Map<string, Struct>();
  const roots = new Map<string, string>();
  for (const type of Object.values(assembly.types)) {
    if (!type.fqn.startsWith('cdk8s-plus-28.k8s.') || type.kind !== 'interface') continue;
    const fields = new Map<string, JsiiType>();
    for (const prop of type.properties ?? []) {
      const schema = prop.docs?.custom?.schema;
      const jsonName = schema?.includes('#') ? schema.slice(schema.indexOf('#') + 1) : prop.name;
      fields.set(jsonName, prop.type);
    }
    structs.set(type.fqn, { fields });
    const schema = type.docs?.custom?.schema;
    if (schema && type.fqn.endsWith('Props') && type.fqn.startsWith('cdk8s-plus-28.k8s.Kube')) {
      const gvk = schemaToGvk(schema);
      if (gvk) roots.set(gvk, type.fqn);
    }
  }
  catalog = { structs, roots };
  return catalog;
}

/** io.k8s.api.apps.v1.Deployment -> apps/v1/Deployment; io.k8s.api.core.v1.Pod -> core/v1/Pod. */
function schemaToGvk(schema: string): string | undefined {
  const parts = schema.split('.');
  const kind = parts[parts.length - 1];
  const version = parts[parts.length - 2];
  if (!/^v\d/.test(version ?? '')) return undefined;
  const api = schema.startsWith('io.k8s.api.')
    ? parts[3]
    : schema.startsWith('io.k8s.kube-aggregator')
      ? 'apiregistration'
      : schema.includes('apiextensions')
        ? 'apiextensions'
        : undefined;
  return api ? `${api}/${version}/${kind}` : undefined;
}

function gvkOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  return `${group!.split('.')[0]}/${version}/${kind}`;
}

/** Whether the catalogue knows this apiVersion/kind (built-in Kubernetes types only). */
export function isBuiltinKind(apiVersion: string, kind: string): boolean {
  return loadCatalog().roots.has(gvkOf(apiVersion, kind));
}

/** Lists every field of `object` that the Kubernetes 1.28 API does not define, as `path: message`. */
export function findUnknownFields(object: Record<string, unknown>): string[] {
  const { structs, roots } = loadCatalog();
  const apiVersion = String(object.apiVersion ?? '');
  const kind = String(object.kind ?? '');
  const root = roots.get(gvkOf(apiVersion, kind));
  if (!root) return [`${apiVersion} ${kind} is not a Kubernetes 1.28 built-in type`];
  const problems: string[] = [];
  const { apiVersion: _a, kind: _k, ...rest } = object;
  walk(rest, { fqn: root }, '', structs, problems);
  return problems;
}

function walk(value: unknown, type: JsiiType, path: string, structs: ReadonlyMap<string, Struct>, problems: string[]): void {
  if (value === null || value === undefined) return;
  if ('collection' in type) {
    if (type.collection.kind === 'array' && Array.isArray(value)) {
      value.forEach((v, i) => walk(v, type.collection.elementtype, `${path}[${i}]`, structs, problems));
    } else if (type.collection.kind === 'map' && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, type.collection.elementtype, `${path}.${k}`, structs, problems);
    }
    return;
  }
  if ('fqn' in type) {
    const struct = structs.get(type.fqn);
    if (!struct || typeof value !== 'object' || Array.isArray(value)) return; // leaf types: IntOrString, Quantity, ...
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = path ? `${path}.${key}` : key;
      const childType = struct.fields.get(key);
      if (!childType) {
        problems.push(`${childPath}: unknown field (known here: ${[...struct.fields.keys()].sort().join(', ')})`);
        continue;
      }
      walk(child, childType, childPath, structs, problems);
    }
  }
}
