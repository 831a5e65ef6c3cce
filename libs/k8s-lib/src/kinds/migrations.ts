import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { MESH_NATIVE_SIDECAR } from '../rules';
import { dnsLabel, type WebServiceSpec } from '../config/definition';
import { selectorLabels, standardLabels } from '../labels';
import { resourcesFor } from '../config/sizes';
import { toEnv } from '../blueprints/stateful-store';
import { containerResources, restrictedPodSecurityContext, restrictedSecurityContext } from '../blueprints/pod-rules';
import { WEB_SERVICE_USER, WebService } from '../blueprints/web-service';
import type { LoadedPackage } from '../config/workspace';
import type { Endpoint, KindFeature, ResolvedPackage } from './kind';
import { RUNTIMES } from './runtime';
import { ownSecretEnv } from './web-service';
import type { ResolvedWorkload } from './workload';

/**
 * Database migrations of a web service: a Job that runs the service's migration command with the same
 * image, ServiceAccount and ConfigMap and the store's credentials, restricted like every pod.
 *
 * ```ts
 * defineWebService({ name: 'catalog', ..., dependsOn: ['postgres'], migrations: { command: ['dotnet', 'Catalog.dll', '--migrate'] } })
 * ```
 * gives `Job/catalog-migrate`, its NetworkPolicy (egress to the store only) and the store's ingress from
 * it. A Job cannot be changed once created, so each way of delivery replaces it: Argo CD runs it as a
 * Sync hook in wave 1, after the package's ServiceAccount, ConfigMap and NetworkPolicies (wave 0) and
 * before its Deployment (wave 2), deleting the previous run first and this one once it succeeded; Flux
 * re-creates it (`force`); the kubectl driver deletes it before it applies the package. Flux and the
 * kubectl driver apply it with the rest of the package: the new version may start before its
 * migrations end (docs/gitops.md). In a mesh the proxy runs as a native sidecar, so that it stops with
 * the migrations and the Job completes.
 */
export const MigrationsSchema = z.strictObject({
  /** The command that applies the migrations, in the service's image. */
  command: z.array(z.string().min(1)).min(1, 'must name the command that applies the migrations'),
  /** The data store the migrations change, one of dependsOn. @default - the only data store in dependsOn */
  store: dnsLabel.optional(),
  /** How long the migrations may run before the Job fails. @default 600 */
  timeoutSeconds: z.int().min(30).max(3600).default(600),
});
export type Migrations = z.output<typeof MigrationsSchema>;

/** Name and labels of the migration pods: the service's, under their own name. */
const migrateName = (service: string) => `${service}-migrate`;

/** The data store the migrations run against, or the reason there is none. */
function storeOf(
  pkg: LoadedPackage,
  spec: WebServiceSpec,
  value: Migrations,
  packages: ReadonlyMap<string, ResolvedPackage>,
): Endpoint & { type: 'store' } {
  const stores = spec.dependsOn.flatMap((dep) => {
    const e = packages.get(dep)?.endpoint;
    return e?.type === 'store' ? [e] : [];
  });
  const fail = (path: string, message: string): never => {
    throw new ConfigError(pkg.file, [{ path, message }]);
  };
  if (value.store !== undefined) {
    return (
      stores.find((s) => s.name === value.store) ??
      fail('migrations.store', `"${value.store}" is not a data store in dependsOn (${stores.map((s) => s.name).join(', ') || 'none'})`)
    );
  }
  if (stores.length === 0)
    return fail('migrations', 'needs a data store in dependsOn: migrations change a store, and this service declares none');
  if (stores.length > 1)
    return fail(
      'migrations.store',
      `required: dependsOn holds several data stores (${stores.map((s) => s.name).join(', ')}); name the one the migrations change`,
    );
  return stores[0]!;
}

export const migrationsFeature: KindFeature<Migrations> = {
  field: 'migrations',
  kinds: ['web-service'],
  schema: MigrationsSchema,
  network({ pkg, spec, value }, { packages }, net) {
    const store = storeOf(pkg, spec as WebServiceSpec, value, packages);
    const id = migrateName(pkg.name);
    // The service's ServiceAccount: the mesh lets the migrations reach the store as the service.
    net.pods(id, selectorLabels(id), pkg.name);
    net.edge(id, store.name, packages.get(store.name)?.network?.served ?? [store.port]);
  },
  build(chart, ctx) {
    const spec = ctx.spec as WebServiceSpec;
    const resolved = ctx.resolved as ResolvedWorkload;
    const { pkg, env, value } = ctx;
    const store = storeOf(pkg, spec, value, ctx.model.packages);
    const service = chart.node.findAll().find((c): c is WebService => c instanceof WebService);
    if (!service) throw new Error(`migrations of ${spec.name}: the package has no WebService to migrate for`);
    const podName = migrateName(spec.name);
    const labels = {
      ...standardLabels({ name: spec.name, team: spec.team, component: 'migrations', version: pkg.version }),
      ...selectorLabels(podName),
    };
    const resources = resourcesFor(env.sizeProfile, resolved.tunables.size);
    // Argo CD: after the package's own objects (wave 0), before its Deployment.
    ApiObject.of(service.deployment).metadata.addAnnotation('argocd.argoproj.io/sync-wave', '2');
    const sidecar = MESH_NATIVE_SIDECAR[env.capabilities.serviceMesh];
    new k8s.KubeJob(chart, 'Migrations', {
      metadata: {
        name: podName,
        labels,
        annotations: {
          'argocd.argoproj.io/hook': 'Sync',
          'argocd.argoproj.io/sync-wave': '1',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
          // Flux replaces it when a new version changes it.
          'kustomize.toolkit.fluxcd.io/force': 'enabled',
        },
      },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: value.timeoutSeconds,
        template: {
          metadata: { labels, ...(sidecar ? { annotations: { [sidecar]: 'true' } } : {}) },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: service.serviceAccount.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(WEB_SERVICE_USER),
            containers: [
              {
                name: 'migrate',
                image: resolved.image,
                imagePullPolicy: env.images.pullPolicy,
                command: [...value.command],
                envFrom: [{ configMapRef: { name: service.configMap.name } }],
                // The store's credentials and the service's own secrets, as the service gets them.
                env: toEnv({ ...RUNTIMES[spec.runtime].dependency(store).secretEnv, ...ownSecretEnv(spec, env) }),
                resources: containerResources(resources),
                securityContext: restrictedSecurityContext(WEB_SERVICE_USER),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });
  },
};
