import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { CONFIG_NAME_ANNOTATION, contentName, selectorLabels, standardLabels } from '../labels';
import type { ResourceSpec } from '../config/sizes';
import {
  containerResources,
  disruptionBudget,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
  spreadConstraints,
} from './pod-rules';
import { STORE_PROBE_TIMINGS } from './probe';
import { imageTag, unpinnedImage } from '../rules';

/** Where an environment variable's value comes from: a literal, a Secret key, or a pod field. */
export type EnvSource = string | { readonly secret: string; readonly key: string } | { readonly fieldPath: string };

/** How a store container is probed: the engine's own health command, an HTTP endpoint, or a TCP port. */
export type ProbeSpec =
  | { readonly exec: readonly string[] }
  | { readonly http: { readonly path: string; readonly port: number; readonly scheme?: 'HTTP' | 'HTTPS' } }
  | { readonly tcp: number };

export interface StoreContainerProps {
  readonly name: string;
  /** @default - the store's image */
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, EnvSource>>;
  readonly ports?: Readonly<Record<string, number>>;
  readonly readiness?: ProbeSpec;
  readonly liveness?: ProbeSpec;
  readonly startup?: ProbeSpec;
  /** Extra mounts besides the writable paths; `data` is the data volume, `config` the config files. */
  readonly mounts?: readonly { readonly volume: string; readonly path: string; readonly readOnly?: boolean; readonly subPath?: string }[];
  /** @default - the store's resources */
  readonly resources?: ResourceSpec;
}

export interface StoreVolumeProps {
  readonly name: string;
  readonly emptyDir?: boolean;
  readonly secret?: string;
  readonly configMap?: string;
}

export interface StatefulStoreProps {
  /** Name of the StatefulSet, the client Service and the ServiceAccount; the headless Service is `<name>-headless`. */
  readonly name: string;
  readonly team: string;
  /** `app.kubernetes.io/component`, for example database. */
  readonly component: string;
  /** Full image reference with a pinned tag. */
  readonly image: string;
  /** `app.kubernetes.io/version`. @default - the image tag */
  readonly version?: string;
  /** Named ports; the client Service exposes them all. */
  readonly ports: Readonly<Record<string, number>>;
  /** @default 1 */
  readonly replicas?: number;
  /** Path of the data volume in the main container. */
  readonly dataPath: string;
  /** Persistent volume per member; without it the data lives in an emptyDir (dev only). @default - no persistence */
  readonly storage?: { readonly size: string; readonly storageClass: string };
  readonly resources: ResourceSpec;
  /** Numeric user of the engine's image. */
  readonly runAsUser: number;
  /** @default - runAsUser */
  readonly fsGroup?: number;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, EnvSource>>;
  readonly readiness: ProbeSpec;
  readonly liveness: ProbeSpec;
  /** @default - the readiness probe, allowed five minutes */
  readonly startup?: ProbeSpec;
  /** Files mounted read-only at `mountPath` from the ConfigMap `<name>-config-<hash of the files>` (volume `config`). @default - none */
  readonly configFiles?: { readonly mountPath: string; readonly files: Readonly<Record<string, string>> };
  /** Writable emptyDir mounts of the main container; the root filesystem stays read-only. @default ['/tmp'] */
  readonly writablePaths?: readonly string[];
  readonly extraMounts?: StoreContainerProps['mounts'];
  readonly extraVolumes?: readonly StoreVolumeProps[];
  readonly initContainers?: readonly StoreContainerProps[];
  readonly sidecars?: readonly StoreContainerProps[];
  /** Parallel start for engines that form a cluster by discovery. @default 'OrderedReady' */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** @default 60 */
  readonly terminationGracePeriodSeconds?: number;
}

/**
 * A data store member set with the platform's rules: StatefulSet with one PersistentVolumeClaim per
 * member (kept when the set is deleted or scaled down), headless Service for peer identity, client
 * Service, ServiceAccount without a token, restricted Pod Security on every container, and, when
 * more than one member runs, a PodDisruptionBudget and spread across nodes and zones.
 */
export class StatefulStore extends Construct {
  public readonly name: string;
  public readonly headlessServiceName: string;
  public readonly labels: Readonly<Record<string, string>>;
  public readonly selector: Readonly<Record<string, string>>;
  public readonly replicas: number;
  public readonly statefulSet: k8s.KubeStatefulSet;

  constructor(scope: Construct, id: string, props: StatefulStoreProps) {
    super(scope, id);
    const tag = imageTag(props.image) ?? '';
    if (unpinnedImage(props.image)) {
      throw new Error(`StatefulStore ${props.name}: image "${props.image}" must carry a pinned tag (not "latest")`);
    }
    this.name = props.name;
    this.headlessServiceName = `${props.name}-headless`;
    this.replicas = props.replicas ?? 1;
    this.selector = selectorLabels(props.name);
    this.labels = standardLabels({ name: props.name, team: props.team, component: props.component, version: props.version ?? tag });
    const meta = (name: string) => ({ name, labels: { ...this.labels } });
    const user = props.runAsUser;

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(props.name), automountServiceAccountToken: false });
    const configData = props.configFiles ? sorted(props.configFiles.files) : undefined;
    // Named by its content: a change of the files is a change of the pod template, so the members roll.
    const configName = configData ? contentName(`${props.name}-config`, configData) : undefined;
    if (configData && configName) {
      new k8s.KubeConfigMap(this, 'Config', {
        metadata: { ...meta(configName), annotations: { [CONFIG_NAME_ANNOTATION]: `${props.name}-config` } },
        data: configData,
      });
    }
    const servicePorts = Object.entries(props.ports).map(([name, port]) => ({ name, port, targetPort: k8s.IntOrString.fromString(name) }));
    new k8s.KubeService(this, 'Headless', {
      metadata: meta(this.headlessServiceName),
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: { ...this.selector }, ports: servicePorts },
    });
    new k8s.KubeService(this, 'Client', {
      metadata: meta(props.name),
      spec: { type: 'ClusterIP', selector: { ...this.selector }, ports: servicePorts },
    });

    const writable = (props.writablePaths ?? ['/tmp']).map((path) => ({ name: writableName(path), path }));
    const volumes: k8s.Volume[] = [
      ...writable.map((w) => ({ name: w.name, emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } })),
      ...(props.storage ? [] : [{ name: 'data', emptyDir: {} }]),
      ...(configName ? [{ name: 'config', configMap: { name: configName } }] : []),
      ...(props.extraVolumes ?? []).map(toVolume),
    ];
    const main: StoreContainerProps = {
      name: props.name,
      command: props.command,
      args: props.args,
      env: props.env,
      ports: props.ports,
      readiness: props.readiness,
      liveness: props.liveness,
      startup: props.startup ?? props.readiness,
      mounts: [
        { volume: 'data', path: props.dataPath },
        ...writable.map((w) => ({ volume: w.name, path: w.path })),
        ...(props.configFiles ? [{ volume: 'config', path: props.configFiles.mountPath, readOnly: true }] : []),
        ...(props.extraMounts ?? []),
      ],
    };
    const container = (c: StoreContainerProps, probed: boolean) => toContainer(c, props.image, props.resources, user, probed);

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: meta(props.name),
      spec: {
        serviceName: this.headlessServiceName,
        replicas: this.replicas,
        podManagementPolicy: props.podManagementPolicy ?? 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: { ...this.selector } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels: { ...this.labels } },
          spec: {
            serviceAccountName: props.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 60,
            securityContext: restrictedPodSecurityContext(user, { fsGroup: props.fsGroup, onRootMismatch: true }),
            initContainers: props.initContainers?.length ? props.initContainers.map((c) => container(c, false)) : undefined,
            containers: [container(main, true), ...(props.sidecars ?? []).map((c) => container(c, true))],
            volumes,
            topologySpreadConstraints: this.replicas > 1 ? spreadConstraints(this.selector) : undefined,
          },
        },
        volumeClaimTemplates: props.storage
          ? [
              {
                metadata: { name: 'data', labels: { ...this.selector } },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  storageClassName: props.storage.storageClass,
                  resources: { requests: { storage: k8s.Quantity.fromString(props.storage.size) } },
                },
              },
            ]
          : undefined,
      },
    });

    if (this.replicas > 1) {
      disruptionBudget(this, 'DisruptionBudget', { metadata: meta(props.name), selector: this.selector });
    }
  }
}

export function toEnv(env: Readonly<Record<string, EnvSource>> | undefined): k8s.EnvVar[] | undefined {
  if (!env) return undefined;
  return Object.keys(env)
    .sort()
    .map((name) => {
      const v = env[name]!;
      if (typeof v === 'string') return { name, value: v };
      if ('secret' in v) return { name, valueFrom: { secretKeyRef: { name: v.secret, key: v.key } } };
      return { name, valueFrom: { fieldRef: { fieldPath: v.fieldPath } } };
    });
}

function toProbe(p: ProbeSpec | undefined, timing: { period: number; failures: number; timeout: number }): k8s.Probe | undefined {
  if (!p) return undefined;
  const base = { periodSeconds: timing.period, failureThreshold: timing.failures, timeoutSeconds: timing.timeout };
  if ('exec' in p) return { ...base, exec: { command: [...p.exec] } };
  if ('http' in p)
    return { ...base, httpGet: { path: p.http.path, port: k8s.IntOrString.fromNumber(p.http.port), scheme: p.http.scheme ?? 'HTTP' } };
  return { ...base, tcpSocket: { port: k8s.IntOrString.fromNumber(p.tcp) } };
}

function toContainer(c: StoreContainerProps, image: string, resources: ResourceSpec, user: number, probed: boolean): k8s.Container {
  const r = c.resources ?? resources;
  return {
    name: c.name,
    image: c.image ?? image,
    imagePullPolicy: 'IfNotPresent',
    command: c.command ? [...c.command] : undefined,
    args: c.args ? [...c.args] : undefined,
    env: toEnv(c.env),
    ports: c.ports ? Object.entries(c.ports).map(([name, containerPort]) => ({ name, containerPort })) : undefined,
    readinessProbe: probed ? toProbe(c.readiness, STORE_PROBE_TIMINGS.readiness) : undefined,
    livenessProbe: probed ? toProbe(c.liveness, STORE_PROBE_TIMINGS.liveness) : undefined,
    startupProbe: probed ? toProbe(c.startup, STORE_PROBE_TIMINGS.startup) : undefined,
    resources: containerResources(r),
    securityContext: restrictedSecurityContext(user),
    volumeMounts: c.mounts?.map((m) => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly, subPath: m.subPath })),
  };
}

function toVolume(v: StoreVolumeProps): k8s.Volume {
  if (v.secret) return { name: v.name, secret: { secretName: v.secret } };
  if (v.configMap) return { name: v.name, configMap: { name: v.configMap } };
  return { name: v.name, emptyDir: {} };
}

function writableName(path: string): string {
  return `writable-${path
    .replace(/^\/+/, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .replace(/-+$/, '')}`.slice(0, 63);
}

function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
