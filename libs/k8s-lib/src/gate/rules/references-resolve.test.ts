import { describe, expect, it } from 'vitest';
import { check, deployment, goodBundle } from '../../../test/gate-fixtures';
import { referencesResolve as rule } from './references-resolve';

describe(rule.id, () => {
  it('stays quiet when references resolve, Secrets from ExternalSecrets included', () => {
    const objects = goodBundle();
    deployment(objects).spec.template.spec.containers[0].env = [
      { name: 'P', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
    ];
    objects.push({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'db-credentials' },
      spec: { target: { name: 'db-credentials' } },
    });
    expect(check(rule, objects)).toEqual([]);
  });

  it('fires on a missing ConfigMap, Secret and ServiceAccount', () => {
    const objects = goodBundle().filter((o) => o.kind !== 'ConfigMap' && o.kind !== 'ServiceAccount');
    deployment(objects).spec.template.spec.volumes = [{ name: 's', secret: { secretName: 'tls' } }];
    expect(
      check(rule, objects)
        .map((f) => f.message)
        .sort(),
    ).toEqual(['ConfigMap "web-config" does not exist', 'Secret "tls" does not exist', 'ServiceAccount "web" does not exist']);
  });

  it('accepts optional references', () => {
    const objects = goodBundle().filter((o) => o.kind !== 'ConfigMap');
    deployment(objects).spec.template.spec.containers[0].envFrom = [{ configMapRef: { name: 'web-config', optional: true } }];
    expect(check(rule, objects)).toEqual([]);
  });

  it('fires on a reference that exists only in another namespace (another blue-green slot), and stays quiet in its own', () => {
    const inNamespace = (objects: any[], namespace: string) => objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
    const blue = inNamespace(goodBundle(), 'b2connect-blue');
    const green = inNamespace(goodBundle(), 'b2connect-green');
    const blueWorkloadOnly = blue.filter((o) => o.kind === 'Deployment');
    expect(
      check(rule, [...blueWorkloadOnly, ...green])
        .map((f) => f.message)
        .sort(),
    ).toEqual(['ConfigMap "web-config" does not exist', 'ServiceAccount "web" does not exist']);
    expect(check(rule, [...blue, ...green])).toEqual([]);
    // A Secret an ExternalSecret makes in the other slot does not count either.
    deployment(blue).spec.template.spec.containers[0].env = [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'p' } } }];
    const es = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'db', namespace: 'b2connect-green' },
      spec: {},
    };
    expect(check(rule, [...blue, ...green, es]).map((f) => f.message)).toEqual(['Secret "db" does not exist']);
    expect(check(rule, [...blue, ...green, { ...es, metadata: { name: 'db', namespace: 'b2connect-blue' } }])).toEqual([]);
  });
});
