import { k8s } from 'cdk8s-plus-28';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { dnsLabel, type WebServiceSpec } from '../config/definition';
import { selectorLabels, standardLabels } from '../labels';
import { resourcesFor } from '../config/sizes';
import { toEnv } from '../blueprints/stateful-store';
import { restrictedSecurityContext } from '../blueprints/pod-rules';
import type { LoadedPackage } from '../config/workspace';
import type { Endpoint, KindFeature, ResolvedPackage } from './kind';
import { RUNTIMES } from './runtime';
import type { ResolvedWorkload } from './workload';

/**
 * Database migrations of a web service: a Job that runs the service's migration command with the same
 * image, the same ConfigMap and the store's credentials, restricted like every pod, before the new
 * version rolls out (an Argo CD PreSync hook; Flux re-creates it for each new version).
 *
 * ```ts
 * defineWebService({ name: 'catalog', ..., dependsOn: ['postgres'], migrations: { command: ['dotnet', 'Catalog.dll', '--migrate'] } })
 * ```
 * gives `Job/catalog-migrate`, its NetworkPolicy (egress to the store only) and the store's ingress from it.
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

/** Runs as the web services' default user (the WebService blueprint's). */
const USER = 10001;

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
    const name = migrateName(spec.name);
    const labels = {
      ...standardLabels({ name: spec.name, team: spec.team, component: 'migrations', version: pkg.version }),
      ...selectorLabels(name),
    };
    new k8s.KubeJob(chart, 'Migrations', {
      metadata: {
        name,
        labels,
        annotations: {
          // Argo CD runs it before it syncs the new version, and replaces the previous run first.
          'argocd.argoproj.io/hook': 'PreSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          // A Job's pod template cannot change: Flux replaces it when a new version changes it.
          'kustomize.toolkit.fluxcd.io/force': 'enabled',
        },
      },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: value.timeoutSeconds,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: spec.name,
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: USER,
              runAsGroup: USER,
              fsGroup: USER,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'migrate',
                image: resolved.image,
                imagePullPolicy: env.images.pullPolicy,
                command: [...value.command],
                envFrom: [{ configMapRef: { name: `${spec.name}-config` } }],
                env: toEnv(RUNTIMES[spec.runtime].dependency(store).secretEnv),
                resources: k8sResources(resourcesFor(env.sizeProfile, resolved.tunables.size)),
                securityContext: restrictedSecurityContext(USER),
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

function k8sResources(r: ReturnType<typeof resourcesFor>): k8s.ResourceRequirements {
  const q = (v: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k8s.Quantity.fromString(x)]));
  return { requests: q(r.requests), limits: q(r.limits) };
}
