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
});
