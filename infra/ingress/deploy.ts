import {
  defineClusterPackage,
  PUBLIC_INGRESS_NAME,
  resourcesFor,
  slotNamespace,
  slotServiceAlias,
  SmokeTest,
  type ClusterPackageContext,
} from '@b2connect/k8s-lib';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

const ACME = {
  'letsencrypt-prod': 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

export default defineClusterPackage({
  name: 'ingress',
  team: 'edge',
  description:
    "Public entry: one nginx Ingress (with blue-green slots, one for the public hosts and one for the preview hosts, both in the platform namespace, routing through one ExternalName Service per slot and Service to the live and the idle slot), TLS from cert-manager's Let's Encrypt issuers, to the api-gateway and the frontends.",
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
    const { hosts } = ingress;
    const services = { api: 'api-gateway', storefront: 'storefront', adminPortal: 'admin-portal' } as const;
    const routes = (to: typeof hosts): [string, string][] => [
      [to.api, services.api],
      [to.storefront, services.storefront],
      [to.adminPortal, services.adminPortal],
    ];
    const slots = ctx.env.slots;
    if (!slots) {
      publicIngress(scope, 'Ingress', ctx, PUBLIC_INGRESS_NAME, namespace, routes(hosts), 'b2connect-tls');
      return;
    }
    // Both Ingresses live in the platform namespace and keep their hosts at a switch. Their backends
    // are ExternalName Services there, one per slot and Service (`<service>-<slot>`, naming that slot's
    // Service, never changing): the public Ingress routes to the live slot's, the preview Ingress to the
    // idle slot's, and a switch changes only which alias each Ingress's rules name. Two Ingresses of two
    // namespaces swapping hosts could not be applied with ingress-nginx's admission webhook: whichever
    // came first would claim a host the other still held. And ingress-nginx labels a request with the
    // backend's name, so a slot's requests keep one `service` label whichever slot is live: what its
    // frontends' SLOs select (docs/decisions/014-blue-green-namespace-slots.md).
    for (const slot of slots.names) {
      for (const service of Object.values(services)) {
        slotAlias(scope, ctx, slotServiceAlias(service, slot), namespace, `${service}.${slotNamespace(ctx.env, slot)}.svc.cluster.local`);
      }
    }
    const idle = slots.names.find((n) => n !== slots.live)!;
    const roles = [
      { id: 'Ingress', slot: slots.live, hosts, ingress: PUBLIC_INGRESS_NAME, secret: 'b2connect-tls' },
      {
        id: 'Ingress-preview',
        slot: idle,
        hosts: slots.previewHosts,
        ingress: `${PUBLIC_INGRESS_NAME}-preview`,
        secret: 'b2connect-preview-tls',
      },
    ] as const;
    for (const r of roles) {
      const to = routes(r.hosts).map(([host, service]): [string, string] => [host, slotServiceAlias(service, r.slot)]);
      publicIngress(scope, r.id, ctx, r.ingress, namespace, to, r.secret);
    }
    const smoke = slots.smokeTest;
    if (smoke) {
      // Tests the slot going live through its own Services, before the Ingresses change; it runs
      // where the ingress controller runs and reaches what the controller reaches, nothing more.
      const target = slotNamespace(ctx.env, slots.live);
      new SmokeTest(scope, 'SmokeTest', {
        namespace: ctx.env.network.ingressNamespace,
        image: `${ctx.env.images.registry}/${smoke.image.repository}:${smoke.image.tag}`,
        command: smoke.command,
        slot: slots.live,
        targetNamespace: target,
        targets: Object.fromEntries(
          Object.entries(services).map(([key, service]) => [
            key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(),
            `http://${service}.${target}.svc:${SERVICE_PORT}`,
          ]),
        ),
        ports: SMOKE_TEST_PORTS,
        timeoutSeconds: smoke.timeoutSeconds,
        resources: resourcesFor(ctx.env.sizeProfile, 'small'),
        mesh: ctx.env.capabilities.serviceMesh,
        podAnnotations: ctx.env.capabilities.serviceMesh === 'istio' ? { 'sidecar.istio.io/nativeSidecar': 'true' } : {},
        labels: { ...ctx.labels, 'app.kubernetes.io/component': 'smoke-test' },
      });
    }
  },
});

/**
 * The container ports behind the public Services (api-gateway 8080, the nginx frontends 8080): what the
 * smoke tests' egress opens.
 */
const SMOKE_TEST_PORTS = [8080];

/** The port of the public Services (api-gateway, the frontends): what every route and alias reaches. */
const SERVICE_PORT = 80;

/**
 * An Ingress named `name`: `routes` (host, Service), TLS for the routes' hosts from the Secret
 * `secret`.
 */
function publicIngress(
  scope: Construct,
  id: string,
  ctx: ClusterPackageContext,
  name: string,
  namespace: string,
  routes: readonly [string, string][],
  secret: string,
): void {
  const { ingress } = ctx.env;
  // NGINX canaries of the public services clone the public Ingress by name (in an environment without slots).
  new k8s.KubeIngress(scope, id, {
    metadata: {
      name,
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
      tls: [{ hosts: routes.map(([host]) => host), secretName: secret }],
      rules: routes.map(([host, service]) => ({
        host,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: SERVICE_PORT } } } }] },
      })),
    },
  });
}

/**
 * A Service `name` of `namespace` that stands for the Service `target` (a slot's, by its cluster
 * DNS name): ingress-nginx resolves `externalName` by DNS to that Service's cluster IP and connects
 * to its `targetPort`, which is therefore the slot Service's port, not the pods'. The client's Host
 * header is passed on unchanged (no `upstream-vhost`), as with a Service of the Ingress's namespace.
 */
function slotAlias(scope: Construct, ctx: ClusterPackageContext, name: string, namespace: string, target: string): void {
  new k8s.KubeService(scope, `Alias-${name}`, {
    metadata: { name, namespace, labels: { ...ctx.labels } },
    spec: {
      type: 'ExternalName',
      externalName: target,
      ports: [{ name: 'http', protocol: 'TCP', port: SERVICE_PORT, targetPort: k8s.IntOrString.fromNumber(SERVICE_PORT) }],
    },
  });
}
