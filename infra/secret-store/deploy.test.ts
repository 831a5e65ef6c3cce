import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});
const store = (env: string) => findObject(bundle(env), 'ClusterSecretStore', 'b2connect-secrets');

describe('infra/secret-store', () => {
  it('reads Azure Key Vault with workload identity in staging and prod', () => {
    expect(store('prod').spec.provider).toEqual({
      azurekv: {
        vaultUrl: 'https://b2connect-prod.vault.azure.net',
        tenantId: '8d1f0c2e-5b7a-4c1e-9f3d-2a6b4e8c0d17',
        authType: 'WorkloadIdentity',
        serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' },
      },
    });
  });

  it('reads HashiCorp Vault (KV v2, Kubernetes auth) in dev', () => {
    expect(store('dev').spec.provider.vault).toMatchObject({
      server: 'https://vault.dev.b2connect.com',
      path: 'secret',
      version: 'v2',
      auth: { kubernetes: { role: 'external-secrets' } },
    });
  });

  it('serves the platform namespace and its blue-green slot namespaces only, and holds no credential', () => {
    expect(store('staging').spec.conditions).toEqual([{ namespaces: ['b2connect'] }]);
    // Prod's slots read their services' secrets and the stores' credentials through it.
    expect(store('prod').spec.conditions).toEqual([{ namespaces: ['b2connect', 'b2connect-blue', 'b2connect-green'] }]);
    expect(JSON.stringify(bundle('prod'))).not.toMatch(/clientSecret|token"|password/i);
  });
});
