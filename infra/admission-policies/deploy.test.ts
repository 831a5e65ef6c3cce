import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

const NAMES = ['b2connect-no-privileged', 'b2connect-pinned-images', 'b2connect-registry', 'b2connect-resources-required'];

describe('infra/admission-policies', () => {
  it('emits each policy with a Deny binding on the platform namespace and its slot namespaces, in v1beta1 for Kubernetes 1.28', () => {
    // Prod has blue-green slots: their pods are held to the same rules.
    const selectors: Record<string, unknown> = {
      dev: { matchLabels: { 'kubernetes.io/metadata.name': 'b2connect' } },
      staging: { matchLabels: { 'kubernetes.io/metadata.name': 'b2connect' } },
      prod: {
        matchExpressions: [
          { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['b2connect', 'b2connect-blue', 'b2connect-green'] },
        ],
      },
    };
    for (const env of ['dev', 'staging', 'prod']) {
      const policies = bundle(env).filter((o) => o.kind === 'ValidatingAdmissionPolicy');
      expect(policies.map((p) => p.metadata.name).sort()).toEqual(NAMES);
      for (const p of policies) expect(p.apiVersion).toBe('admissionregistration.k8s.io/v1beta1');
      for (const name of NAMES) {
        expect(findObject(bundle(env), 'ValidatingAdmissionPolicyBinding', name).spec).toEqual({
          policyName: name,
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: selectors[env] },
        });
      }
    }
  });

  it("allows images only from the environment's registry, init containers included", () => {
    const spec = findObject(bundle('prod'), 'ValidatingAdmissionPolicy', 'b2connect-registry').spec;
    expect(spec.validations[0].expression).toContain("c.image.startsWith('registry.b2connect.com/')");
    expect(spec.validations[0].expression).toContain('object.spec.initContainers');
    expect(spec.matchConstraints.resourceRules[0]).toMatchObject({ resources: ['pods'], operations: ['CREATE', 'UPDATE'] });
  });

  it('pins images with a pattern that accepts tags and digests and refuses latest', () => {
    const expr = findObject(bundle('prod'), 'ValidatingAdmissionPolicy', 'b2connect-pinned-images').spec.validations[0]
      .expression as string;
    const [digest, tagged] = [...expr.matchAll(/matches\('([^']+)'\)/g)].map((m) => new RegExp(m[1]!));
    const allowed = (image: string) => digest!.test(image) || (tagged!.test(image) && !image.endsWith(':latest'));
    expect(allowed('registry.b2connect.com/b2connect/catalog:1.0.0')).toBe(true);
    expect(allowed(`registry.b2connect.com/x@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(allowed('registry.b2connect.com:5000/b2connect/catalog')).toBe(false);
    expect(allowed('registry.b2connect.com/b2connect/catalog:latest')).toBe(false);
  });
});
