import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it, vi } from 'vitest';
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

  it('says a bad quantity must be a quantity, once, not "must be number" for each shape a quantity may take', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources.limits.memory = 'lots';
    const problems = validateObject(d).filter((p) => p.includes('memory'));
    expect(problems).toEqual(['spec.template.spec.containers.0.resources.limits.memory: must be a quantity such as 500m, 2, 64Mi or 1Gi']);
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

  it('checks Argo Rollouts objects strictly: a misspelled field of a Rollout step or an AnalysisTemplate metric', () => {
    const rollout = (): any => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'web', namespace: 'b2connect' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0' }] },
        },
        strategy: { canary: { steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }] } },
      },
    });
    expect(validateObject(rollout())).toEqual([]);
    const bad = rollout();
    bad.spec.strategy.canary.steps[0] = { setWieght: 10 };
    expect(validateObject(bad)).toEqual(['spec.strategy.canary.steps[0].setWieght: unknown field']);
    const template: any = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'web-canary', namespace: 'b2connect' },
      spec: {
        metrics: [{ name: 'error-rate', successCondition: 'true', provider: { prometheus: { address: 'http://p:9090', query: 'up' } } }],
      },
    };
    expect(validateObject(template)).toEqual([]);
    template.spec.metrics[0].failurLimit = 1;
    expect(validateObject(template)).toEqual(['spec.metrics[0].failurLimit: unknown field']);
  });

  it('flags a wrong enum value and a missing required field', () => {
    const es = externalSecret();
    es.spec.target.creationPolicy = 'Sometimes';
    delete es.spec.data[0].remoteRef;
    const problems = validateObject(es).join('\n');
    expect(problems).toContain('spec.target.creationPolicy: must be equal to one of the allowed values');
    expect(problems).toContain("spec.data[0]: must have required property 'remoteRef'");
  });

  describe('with the disk cache of a new process', () => {
    const cache = mkdtempSync(join(tmpdir(), 'b2c-crd-cache-'));
    /** A fresh module instance (as in a new process) that caches in `cache`. */
    const freshValidate = async () => {
      vi.resetModules();
      // Node's own module cache too: the cached validators are loaded with `require`.
      const nodeCache = createRequire(__filename).cache;
      for (const file of Object.keys(nodeCache)) if (file.startsWith(cache)) delete nodeCache[file];

      vi.stubEnv('B2CONNECT_CRD_CACHE', cache);
      return ((await import('./validate')) as typeof import('./validate')).validateObject;
    };
    afterAll(() => vi.unstubAllEnvs());

    it('writes the compiled validators and the CRD index, then reads them instead of compiling', async () => {
      const es = externalSecret();
      es.spec.secretStoreRef.nmae = 'x';
      es.spec.target.creationPolicy = 'Sometimes';
      const first = await freshValidate();
      const problems = first(es);
      expect(problems).toContain('spec.secretStoreRef.nmae: unknown field');
      const validators = readdirSync(cache).filter((f) => f.startsWith('validator-'));
      expect(validators).toHaveLength(1);
      expect(readdirSync(cache).some((f) => f.startsWith('strict-index-'))).toBe(true);

      // Same problems from the cached code in a new instance...
      expect((await freshValidate())(es)).toEqual(problems);
      // ...and it is the cached code that runs: a changed file changes the answer.
      writeFileSync(
        join(cache, validators[0]!),
        `module.exports = function v() { v.errors = [{ instancePath: '/spec', keyword: 'x', message: 'from the cache', params: {} }]; return false; };`,
      );
      expect((await freshValidate())(es)).toEqual(['spec: from the cache']);
    });

    it('compiles again when a cached validator is unusable (an empty file)', async () => {
      const cached = readdirSync(cache).filter((name) => name.startsWith('validator-'));
      expect(cached.length).toBeGreaterThan(0);
      for (const f of cached) writeFileSync(join(cache, f), '');
      const validate = await freshValidate();
      expect(validate(externalSecret())).toEqual([]);
      expect(validate({ ...externalSecret(), spec: { ...externalSecret().spec, bogus: 1 } })).toEqual(['spec.bogus: unknown field']);
    });
  });

  it('refuses a version the CRD no longer serves', () => {
    expect(validateObject({ ...externalSecret(), apiVersion: 'external-secrets.io/v1beta1' })[0]).toMatch(/no schema is known/);
  });
});
