import { beforeAll, describe, expect, it } from 'vitest';
import { findConfig, findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

describe('identity', () => {
  it('reads its JWT signing key from the secret backend through an ExternalSecret', () => {
    const es = findConfig(bundle('prod'), 'ExternalSecret', 'identity-secrets', 'b2connect-blue');
    // Named by what it reads: the Secret it creates has its name, and the pods refer to that name.
    expect(es.metadata.name).toMatch(/^identity-secrets-[0-9a-f]{10}$/);
    expect(es.spec.target.name).toBe(es.metadata.name);
    expect(es.spec.data).toEqual([{ secretKey: 'Jwt__SigningKey', remoteRef: { key: 'b2connect/identity', property: 'jwt-signing-key' } }]);
    const env = findObject(bundle('prod'), 'Deployment', 'identity', 'b2connect-blue').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: 'Jwt__SigningKey',
      valueFrom: { secretKeyRef: { name: es.metadata.name, key: 'Jwt__SigningKey' } },
    });
  });
});
