import { defineClusterPackage, slotNamespace } from '@b2connect/k8s-lib';
import { ApiObject } from 'cdk8s';

/** The External Secrets Operator's own ServiceAccount: it authenticates to the backend, no static credential. */
const OPERATOR_ACCOUNT = { name: 'external-secrets', namespace: 'external-secrets' };

export default defineClusterPackage({
  name: 'secret-store',
  team: 'platform',
  description: 'The ClusterSecretStore behind every ExternalSecret: Azure Key Vault or HashiCorp Vault, chosen per environment.',
  build: (scope, ctx) => {
    const backend = ctx.env.secrets.backend;
    const provider =
      backend.provider === 'azure-key-vault'
        ? {
            azurekv: {
              vaultUrl: backend.vaultUrl,
              tenantId: backend.tenantId,
              authType: 'WorkloadIdentity',
              serviceAccountRef: OPERATOR_ACCOUNT,
            },
          }
        : {
            vault: {
              server: backend.server,
              path: backend.path,
              version: 'v2',
              auth: { kubernetes: { mountPath: 'kubernetes', role: backend.role, serviceAccountRef: OPERATOR_ACCOUNT } },
            },
          };
    new ApiObject(scope, 'Store', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: ctx.env.secrets.store, labels: { ...ctx.labels } },
      spec: {
        provider,
        // Only the platform namespace, and its blue-green slot namespaces, may read through this store.
        conditions: [{ namespaces: [ctx.env.namespace, ...(ctx.env.slots?.names ?? []).map((slot) => slotNamespace(ctx.env, slot))] }],
      },
    });
  },
});
