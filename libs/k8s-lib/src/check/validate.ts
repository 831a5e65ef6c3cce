import { validateCustomResource } from './crd-schemas';
import { findUnknownFields, isBuiltinKind } from './strict-fields';

import type { KubeObject } from '../kube-object';

export type { KubeObject } from '../kube-object';

type Validator = (data: unknown) => void;

/**
 * Versions that Kubernetes 1.28 serves but kubernetes-models (tracking 1.33) no longer ships: they are
 * checked against the next version's schema, which has the same fields; the unknown-field check still
 * uses the exact 1.28 version.
 */
const SCHEMA_FALLBACK: Readonly<Record<string, string>> = {
  'admissionregistration.k8s.io/v1beta1/ValidatingAdmissionPolicy': 'admissionregistration.k8s.io/v1',
  'admissionregistration.k8s.io/v1beta1/ValidatingAdmissionPolicyBinding': 'admissionregistration.k8s.io/v1',
};

const validators = new Map<string, Validator | null>();

/** Loads the kubernetes-models class of a built-in type (OpenAPI schema of Kubernetes 1.33 and older). */
function validatorFor(apiVersion: string, kind: string): Validator | null {
  const key = `${apiVersion}/${kind}`;
  if (!validators.has(key)) {
    const modelVersion = SCHEMA_FALLBACK[key] ?? (apiVersion.includes('/') ? apiVersion : 'v1');
    const modelPath = `kubernetes-models/${modelVersion}/${kind}`;
    let validator: Validator | null = null;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(modelPath) as Record<string, { new (data: unknown): { validate(): void }; prototype: { validate(): void } }>;
      const Model = mod[kind];
      if (Model) {
        const as = modelVersion === apiVersion ? undefined : modelVersion;
        const { validate } = Model.prototype;
        // The model's schema check runs on the object itself (`this`): constructing the model first
        // would copy every object only to drop undefined values, which synthesized objects do not hold.
        // Should the check fail, it runs again on the model, whose messages are the ones reported.
        validator = (data) => {
          const input = as ? { ...(data as object), apiVersion: as } : data;
          try {
            validate.call(input);
          } catch {
            new Model(input).validate();
          }
        };
      }
    } catch {
      validator = null;
    }
    validators.set(key, validator);
  }
  return validators.get(key) ?? null;
}

/**
 * Validates one object: OpenAPI schema (kubernetes-models) plus the strict unknown-field check.
 * Returns the problems as `path: message` strings; empty when the object is valid.
 */
export function validateObject(object: KubeObject): string[] {
  const problems: string[] = [];
  if (!object.metadata?.name) problems.push('metadata.name: required');
  const validator = isBuiltinKind(object.apiVersion, object.kind) ? validatorFor(object.apiVersion, object.kind) : null;
  if (!validator) {
    const custom = validateCustomResource(object);
    if (custom) return [...problems, ...custom];
    problems.push(
      `${object.apiVersion} ${object.kind}: no schema is known for this type; add its CRD to libs/k8s-lib/crds before emitting it`,
    );
    return problems;
  }
  try {
    validator(object);
  } catch (e) {
    problems.push(...describeModelError(e));
  }
  problems.push(...findUnknownFields(object));
  return problems;
}

type ModelIssue = { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> };

/**
 * kubernetes-models' errors, one line per field: a field that may take several shapes (a quantity is
 * a string or a number) fails every branch of its `oneOf`, which would read as "must be number" first.
 */
function describeModelError(e: unknown): string[] {
  const errors = (e as { errors?: ModelIssue[] }).errors;
  if (!Array.isArray(errors)) return [String((e as Error).message ?? e)];
  const oneOf = new Set(errors.filter((err) => err.keyword === 'oneOf').map((err) => err.instancePath ?? ''));
  return errors.flatMap((err) => {
    const at = err.instancePath ?? '';
    const path = at.replace(/^\//, '').replace(/\//g, '.') || '(object)';
    if (oneOf.has(at) && err.keyword !== 'oneOf') return [];
    if (err.keyword === 'oneOf') {
      const branches = errors.filter((o) => o.instancePath === at && o.keyword !== 'oneOf');
      if (branches.some((b) => b.params?.['format'] === 'quantity')) return [`${path}: must be a quantity such as 500m, 2, 64Mi or 1Gi`];
      const takes = branches.map((b) =>
        b.params?.['format'] ? `a ${String(b.params['format'])}` : `a ${String(b.params?.['type'] ?? 'value')}`,
      );
      return [`${path}: must be ${[...new Set(takes)].join(' or ')}`];
    }
    return [`${path}: ${err.message ?? 'invalid'}${err.params ? ` ${JSON.stringify(err.params)}` : ''}`];
  });
}
