import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

describe('identity', () => {
  it('reads its JWT signing key from the secret backend through an ExternalSecret', () => {
    const es = findObject(bundle('prod'), 'ExternalSecret', 'identity-secrets');
    expect(es.spec.data).toEqual([{ secretKey: 'Jwt__SigningKey', remoteRef: { key: 'b2connect/identity', property: 'jwt-signing-key' } }]);
    const env = findObject(bundle('prod'), 'Deployment', 'identity').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: 'Jwt__SigningKey',
      valueFrom: { secretKeyRef: { name: 'identity-secrets', key: 'Jwt__SigningKey' } },
    });
  });
});
