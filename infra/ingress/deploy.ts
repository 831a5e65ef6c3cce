import { defineClusterPackage, PUBLIC_INGRESS_NAME } from '@b2connect/k8s-lib';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';

const ACME = {
  'letsencrypt-prod': 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

export default defineClusterPackage({
  name: 'ingress',
  team: 'edge',
  description: "Public entry: one nginx Ingress, TLS from cert-manager's Let's Encrypt issuers, to the api-gateway and the frontends.",
  dependsOn: ['api-gateway', 'storefront', 'admin-portal'],
  build: (scope, ctx) => {
    const { ingress, namespace } = { ingress: ctx.env.ingress, namespace: ctx.env.namespace };
    // Both issuers exist everywhere; the environment picks the one its certificates use.
    for (const [name, server] of Object.entries(ACME)) {
      new ApiObject(scope, name, {
        apiVersion: 'cert-manager.io/v1',
        kind: 'ClusterIssuer',
        metadata: { name, labels: { ...ctx.labels } },
        spec: {
          acme: {
            server,
            email: ingress.acmeEmail,
            privateKeySecretRef: { name: `${name}-account-key` },
            solvers: [{ http01: { ingress: { ingressClassName: ingress.className } } }],
          },
        },
      });
    }
    const routes: [string, string][] = [
      [ingress.hosts.api, 'api-gateway'],
      [ingress.hosts.storefront, 'storefront'],
      [ingress.hosts.adminPortal, 'admin-portal'],
    ];
    // NGINX canaries of the public services clone this Ingress by name.
    new k8s.KubeIngress(scope, 'Ingress', {
      metadata: {
        name: PUBLIC_INGRESS_NAME,
        namespace,
        labels: { ...ctx.labels },
        annotations: {
          'cert-manager.io/cluster-issuer': ingress.tlsIssuer,
          'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
          'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
        },
      },
      spec: {
        ingressClassName: ingress.className,
        tls: [{ hosts: routes.map(([host]) => host), secretName: 'b2connect-tls' }],
        rules: routes.map(([host, service]) => ({
          host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] },
        })),
      },
    });
  },
});
