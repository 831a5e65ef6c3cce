import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { TUNABLE_DEFAULTS, type Autoscaling } from '../config/resolve';
import { CONFIG_NAME_ANNOTATION, contentName, selectorLabels, standardLabels } from '../labels';
import { PROBE_TIMINGS, type HealthProps } from './probe';
import { mebibytes, millicores, resourcesFor, type ResourceSpec } from '../config/sizes';
import { disruptionBudget, spreadConstraints } from './pod-rules';
import { autoscalingRangeProblem, imageTag, shutdownProblem, unpinnedImage } from '../rules';

/**
 * The old ReplicaSets a Deployment (and a canary's Rollout, which copies it) keeps for `kubectl
 * rollout undo`. The drivers keep as many previous versions of each content-named config
 * (`CONFIG_VERSIONS_KEPT` in tools/src/delivery/retention.ts), so that every revision kept finds the
 * ConfigMap its pod template names.
 */
export const REVISION_HISTORY_LIMIT = 5;

/** Files mounted read-only into the container from a second ConfigMap (`<name>-files-<hash>`). */
export interface ConfigFilesProps {
  /** Directory the files appear in, for example /etc/nginx/conf.d. */
  readonly mountPath: string;
  /** File name -> content. */
  readonly files: Readonly<Record<string, string>>;
}

/** The user (and group) a web service's containers run as unless it says otherwise. */
export const WEB_SERVICE_USER = 10001;

export interface WebServiceProps {
  /** Name of every object of the service on the cluster, and its `app.kubernetes.io/name`. */
  readonly name: string;
  /** Full image reference with a tag, for example registry.b2connect.com/b2connect/catalog:1.4.0. */
  readonly image: string;
  /** Owning team, written to the `b2connect.io/team` label. */
  readonly team: string;
  /** `app.kubernetes.io/version`. @default - the image tag */
  readonly version?: string;
  /** `app.kubernetes.io/component`. @default 'domain-service' */
  readonly component?: string;
  /** Named container ports. The Service exposes `http` on port 80 and the others on their own number. @default { http: 8080 } */
  readonly ports?: Readonly<Record<string, number>>;
  /** Health endpoints. @default { readiness: '/health/ready', liveness: '/health/live', port: 'http' } */
  readonly health?: HealthProps;
  /** Fixed replica count; not allowed together with `autoscaling`. @default 1 */
  readonly replicas?: number;
  /** Emits a HorizontalPodAutoscaler and leaves `replicas` off the Deployment. @default - no autoscaling */
  readonly autoscaling?: Autoscaling;
  /** Container requests and limits. @default - the 'small' size of the 'constrained' profile */
  readonly resources?: ResourceSpec;
  /**
   * Non-secret settings, written to the ConfigMap `<name>-config-<hash of the settings>` and passed as
   * environment variables: a change of a setting is a new ConfigMap and a rollout. @default {}
   */
  readonly config?: Readonly<Record<string, string>>;
  /** Environment variables read from Secrets (credentials of declared stores). @default {} */
  readonly secretEnv?: Readonly<Record<string, { readonly secret: string; readonly key: string }>>;
  /** Files mounted from a `<name>-files-<hash of the files>` ConfigMap. @default - none */
  readonly configFiles?: ConfigFilesProps;
  /** Seconds the preStop hook waits, so endpoints drop the pod before it stops. @default 5 */
  readonly preStopSeconds?: number;
  /** Must be longer than `preStopSeconds`. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** @default 'IfNotPresent' */
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always';
  /** Numeric user (and group) the container runs as. @default WEB_SERVICE_USER (10001) */
  readonly runAsUser?: number;
  /** Writable emptyDir mounts; the root filesystem stays read-only. @default ['/tmp'] */
  readonly writablePaths?: readonly string[];
}

/**
 * An HTTP workload with the platform's rules built in: Deployment (rolling 25%/25%, probes, graceful
 * shutdown, restricted Pod Security, topology spread), Service, ServiceAccount without a token,
 * ConfigMap named by its content (`contentName`), and when more than one replica can run a PodDisruptionBudget; an HPA when autoscaling is set.
 *
 * Escape hatch: `deployment` is the cdk8s-plus object; `ApiObject.of(x.deployment).addJsonPatch(...)` for raw edits.
 */
export class WebService extends Construct {
  public readonly name: string;
  public readonly ports: Readonly<Record<string, number>>;
  public readonly health: Required<HealthProps>;
  public readonly replicas?: number;
  public readonly autoscaling?: Autoscaling;
  public readonly labels: Readonly<Record<string, string>>;
  public readonly selector: Readonly<Record<string, string>>;

  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly configMap: kplus.ConfigMap;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly hpa?: kplus.HorizontalPodAutoscaler;
  public readonly pdb?: kplus.k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const tag = imageTag(props.image) ?? '';
    if (unpinnedImage(props.image)) {
      throw new Error(
        `WebService ${props.name}: image "${props.image}" must carry a pinned tag (not "latest"), for example ${props.image.split(':')[0]}:1.0.0`,
      );
    }
    this.name = props.name;
    this.ports = props.ports ?? { http: 8080 };
    this.health = {
      readiness: props.health?.readiness ?? '/health/ready',
      liveness: props.health?.liveness ?? '/health/live',
      startup: props.health?.startup ?? props.health?.readiness ?? '/health/ready',
      port: props.health?.port ?? 'http',
    };
    if (!('http' in this.ports))
      throw new Error(`WebService ${props.name}: ports must include "http"; got ${Object.keys(this.ports).join(', ')}`);
    const probePort = this.ports[this.health.port];
    if (probePort === undefined) {
      throw new Error(
        `WebService ${props.name}: health.port "${this.health.port}" is not one of the declared ports (${Object.keys(this.ports).join(', ')})`,
      );
    }
    if (props.autoscaling && props.replicas !== undefined) {
      throw new Error(
        `WebService ${props.name}: replicas (${props.replicas}) and autoscaling are exclusive: the HPA owns the replica count; remove replicas`,
      );
    }
    const range = props.autoscaling ? autoscalingRangeProblem(props.autoscaling) : undefined;
    if (range) throw new Error(`WebService ${props.name}: autoscaling: ${range}`);
    this.autoscaling = props.autoscaling;
    this.replicas = props.autoscaling ? undefined : (props.replicas ?? 1);
    const preStop = props.preStopSeconds ?? TUNABLE_DEFAULTS.shutdown.preStopSeconds;
    const grace = props.terminationGracePeriodSeconds ?? TUNABLE_DEFAULTS.shutdown.terminationGracePeriodSeconds;
    const shutdown = shutdownProblem({ preStopSeconds: preStop, terminationGracePeriodSeconds: grace });
    if (shutdown) throw new Error(`WebService ${props.name}: terminationGracePeriodSeconds ${shutdown}`);
    const user = props.runAsUser ?? WEB_SERVICE_USER;
    const resources = props.resources ?? resourcesFor('constrained', 'small');
    this.selector = selectorLabels(props.name);
    this.labels = standardLabels({
      name: props.name,
      team: props.team,
      version: props.version ?? tag,
      component: props.component ?? 'domain-service',
    });
    const metadata = (name: string) => ({ name, labels: { ...this.labels } });
    const configMetadata = (base: string, data: Record<string, string>) => ({
      ...metadata(contentName(base, data)),
      annotations: { [CONFIG_NAME_ANNOTATION]: base },
    });

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: metadata(props.name),
      automountToken: false,
    });
    const configData = sortedRecord(props.config ?? {});
    this.configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: configMetadata(`${props.name}-config`, configData),
      data: configData,
    });
    const filesData = props.configFiles ? sortedRecord(props.configFiles.files) : undefined;
    const filesMap = filesData
      ? new kplus.ConfigMap(this, 'Files', { metadata: configMetadata(`${props.name}-files`, filesData), data: filesData })
      : undefined;

    const volumeMounts: kplus.VolumeMount[] = (props.writablePaths ?? ['/tmp']).map((path, i) => ({
      path,
      volume: kplus.Volume.fromEmptyDir(this, `Writable${i}`, volumeName(path), { sizeLimit: Size.mebibytes(64) }),
    }));
    if (filesMap && props.configFiles) {
      volumeMounts.push({
        path: props.configFiles.mountPath,
        readOnly: true,
        volume: kplus.Volume.fromConfigMap(this, 'FilesVolume', filesMap, { name: 'config-files' }),
      });
    }

    const probe = (path: string, timing: (typeof PROBE_TIMINGS)[keyof typeof PROBE_TIMINGS]) =>
      kplus.Probe.fromHttpGet(path, {
        port: probePort,
        periodSeconds: Duration.seconds(timing.periodSeconds),
        timeoutSeconds: Duration.seconds(timing.timeoutSeconds),
        failureThreshold: timing.failureThreshold,
      });

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: metadata(props.name),
      select: false,
      // The ConfigMaps' names carry their content's hash: a settings change changes the template.
      podMetadata: { labels: { ...this.labels } },
      replicas: this.replicas,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: {
        ensureNonRoot: true,
        user,
        group: user,
        fsGroup: user,
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
      },
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(25),
        maxUnavailable: kplus.PercentOrAbsolute.percent(25),
      }),
      terminationGracePeriod: Duration.seconds(grace),
      containers: [
        {
          name: props.name,
          image: props.image,
          imagePullPolicy: props.imagePullPolicy === 'Always' ? kplus.ImagePullPolicy.ALWAYS : kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: Object.entries(this.ports).map(([name, number]) => ({ name, number })),
          envFrom: [kplus.Env.fromConfigMap(this.configMap)],
          envVariables: Object.fromEntries(
            Object.keys(props.secretEnv ?? {})
              .sort()
              .map((name) => {
                const ref = props.secretEnv![name]!;
                const secret = kplus.Secret.fromSecretName(this, `Secret-${name}`, ref.secret);
                return [name, kplus.EnvValue.fromSecretValue({ secret, key: ref.key })];
              }),
          ),
          resources: {
            cpu: {
              request: kplus.Cpu.millis(millicores(resources.requests.cpu)),
              limit: kplus.Cpu.millis(millicores(resources.limits.cpu)),
            },
            memory: {
              request: Size.mebibytes(mebibytes(resources.requests.memory)),
              limit: Size.mebibytes(mebibytes(resources.limits.memory)),
            },
          },
          readiness: probe(this.health.readiness, PROBE_TIMINGS.readiness),
          liveness: probe(this.health.liveness, PROBE_TIMINGS.liveness),
          startup: probe(this.health.startup, PROBE_TIMINGS.startup),
          lifecycle: preStop > 0 ? { preStop: kplus.Handler.fromCommand(['sleep', String(preStop)]) } : undefined,
          securityContext: {
            ensureNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            user,
            group: user,
          },
          volumeMounts,
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: { ...this.selector } }));

    // What cdk8s-plus leaves out or does differently from the platform's rules.
    const deployment = ApiObject.of(this.deployment);
    deployment.addJsonPatch(
      // cdk8s-plus adds an address label to the pod template even with select: false; selectors use stable labels only.
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      // Pod Security "restricted": seccomp RuntimeDefault and no capabilities.
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/revisionHistoryLimit', REVISION_HISTORY_LIMIT),
    );
    const maxReplicas = this.autoscaling?.max ?? this.replicas ?? 1;
    if (maxReplicas > 1) {
      deployment.addJsonPatch(
        JsonPatch.add('/spec/template/spec/topologySpreadConstraints', spreadConstraints(this.selector, ['pod-template-hash'])),
      );
    }

    this.service = new kplus.Service(this, 'Service', {
      metadata: metadata(props.name),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: Object.entries(this.ports).map(([name, number]) => ({ name, port: name === 'http' ? 80 : number, targetPort: number })),
    });
    for (const [key, value] of Object.entries(this.selector)) this.service.selectLabel(key, value);
    ApiObject.of(this.service).addJsonPatch(JsonPatch.remove('/spec/externalIPs'));

    if (this.autoscaling) {
      this.hpa = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: metadata(props.name),
        target: this.deployment,
        minReplicas: this.autoscaling.min,
        maxReplicas: this.autoscaling.max,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(this.autoscaling.cpuPercent))],
      });
    }
    if (maxReplicas > 1) {
      this.pdb = disruptionBudget(this, 'DisruptionBudget', {
        metadata: metadata(props.name),
        selector: this.selector,
        evictUnhealthy: true,
      });
    }
  }
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function volumeName(path: string): string {
  const name = path
    .replace(/^\/+/, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .replace(/-+$/, '');
  return name ? `writable-${name}`.slice(0, 63) : 'writable-root';
}
