import { describe, expect, it, vi } from 'vitest';
import { validateObject, type KubeObject } from './validate';

const deployment = (): any => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], resources: { limits: { memory: '128Mi' } } }],
      },
    },
  },
});

describe('validateObject', () => {
  it('accepts a valid object', () => {
    expect(validateObject(deployment())).toEqual([]);
  });

  it('flags a misspelled field with its path and the fields allowed there', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    const problems = validateObject(d);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^spec\.template\.spec\.containers\[0\]\.imagePullPolicyy: unknown field \(known here: .*imagePullPolicy,/);
  });

  it('flags unknown fields inside maps of structs and at the top level', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources.limit = { cpu: '1' };
    d.extra = true;
    const paths = validateObject(d).map((p) => p.split(':')[0]);
    expect(paths).toEqual(expect.arrayContaining(['spec.template.spec.containers[0].resources.limit', 'extra']));
  });

  it('flags wrong types, missing required fields and bad quantities', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    delete d.spec.selector;
    d.spec.template.spec.containers[0].resources.limits.memory = 'lots';
    const problems = validateObject(d).join('\n');
    expect(problems).toContain('containerPort');
    expect(problems).toContain('selector');
    expect(problems).toContain('memory');
  });

  it('refuses a type it has no schema for', () => {
    const obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } as KubeObject;
    expect(validateObject(obj)).toEqual([
      'example.com/v1 Widget: no schema is known for this type; add its CRD to libs/k8s-lib/crds before emitting it',
    ]);
  });
});

describe('validateObject on custom resources', () => {
  const externalSecret = (): any => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'db', namespace: 'b2connect' },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'platform' },
      target: { name: 'db', creationPolicy: 'Owner' },
      data: [{ secretKey: 'password', remoteRef: { key: 'postgres-password' } }],
    },
  });

  it('accepts a valid resource of a CRD in crds/', () => {
    expect(validateObject(externalSecret())).toEqual([]);
  });

  it('flags a misspelled field of a custom resource', () => {
    const es = externalSecret();
    es.spec.secretStoreRef.nmae = 'x';
    expect(validateObject(es)).toEqual(['spec.secretStoreRef.nmae: unknown field']);
  });

  it('flags a wrong enum value and a missing required field', () => {
    const es = externalSecret();
    es.spec.target.creationPolicy = 'Sometimes';
    delete es.spec.data[0].remoteRef;
    const problems = validateObject(es).join('\n');
    expect(problems).toContain('spec.target.creationPolicy: must be equal to one of the allowed values');
    expect(problems).toContain("spec.data[0]: must have required property 'remoteRef'");
  });

  it('reports the same problems with a validator loaded from the disk cache (a new process)', async () => {
    const es = externalSecret();
    es.spec.secretStoreRef.nmae = 'x';
    es.spec.target.creationPolicy = 'Sometimes';
    const first = validateObject(es);
    // A fresh module instance has no compiled validators in memory: it loads the cached code.
    vi.resetModules();
    const fresh = (await import('./validate')) as typeof import('./validate');
    expect(fresh.validateObject).not.toBe(validateObject);
    expect(fresh.validateObject(es)).toEqual(first);
    expect(first).toContain('spec.secretStoreRef.nmae: unknown field');
    expect(fresh.validateObject(externalSecret())).toEqual([]);
  });

  it('refuses a version the CRD no longer serves', () => {
    expect(validateObject({ ...externalSecret(), apiVersion: 'external-secrets.io/v1beta1' })[0]).toMatch(/no schema is known/);
  });
});
