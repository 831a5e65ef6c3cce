import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { ResourceSpec } from '../config/sizes';

// The pod layer: the platform's rules for every pod, written once and used by every workload
// blueprint (WebService, StatefulStore, BackupCronJob, the migrations Job).

/** The security context of every container of the platform: Pod Security "restricted" plus a read-only root. */
export function restrictedSecurityContext(user: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * The pod-level security context of every pod of the platform: non-root, the image's user and group
 * (and, for volumes, its fsGroup), seccomp RuntimeDefault. `fsGroupChangePolicy: OnRootMismatch`
 * skips the recursive ownership change of a large data volume that already belongs to the group.
 */
export function restrictedPodSecurityContext(
  user: number,
  volumes: { readonly fsGroup?: number; readonly onRootMismatch?: boolean } = {},
): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    fsGroup: volumes.fsGroup ?? user,
    ...(volumes.onRootMismatch ? { fsGroupChangePolicy: 'OnRootMismatch' } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Spread over nodes (strict: two members never share a node) and zones (best effort). A Deployment
 * passes `pod-template-hash` so that a rollout's new pods are spread among themselves, not against
 * the old ones; a StatefulSet's pods carry no such label.
 */
export function spreadConstraints(
  selector: Readonly<Record<string, string>>,
  matchLabelKeys?: readonly string[],
): k8s.TopologySpreadConstraint[] {
  const spread = (topologyKey: string, whenUnsatisfiable: string): k8s.TopologySpreadConstraint => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: { matchLabels: { ...selector } },
    ...(matchLabelKeys ? { matchLabelKeys: [...matchLabelKeys] } : {}),
  });
  return [spread('kubernetes.io/hostname', 'DoNotSchedule'), spread('topology.kubernetes.io/zone', 'ScheduleAnyway')];
}

export interface DisruptionBudgetProps {
  /** Its name and labels, and a namespace where the chart sets none (cluster-level packages). */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels: Readonly<Record<string, string>> };
  readonly selector: Readonly<Record<string, string>>;
  /**
   * Let a drain evict pods that are not ready. True for stateless services (a crash-looping pod must
   * not block node maintenance); false for stores, whose not-ready member may be catching up. @default false
   */
  readonly evictUnhealthy?: boolean;
}

/** At most one member down at a time, for any workload that runs more than one. */
export function disruptionBudget(scope: Construct, id: string, props: DisruptionBudgetProps): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: props.metadata.name, namespace: props.metadata.namespace, labels: { ...props.metadata.labels } },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: { ...props.selector } },
      ...(props.evictUnhealthy ? { unhealthyPodEvictionPolicy: 'AlwaysAllow' } : {}),
    },
  });
}

/** Requests and limits of a container, from a size's resources. */
export function containerResources(r: ResourceSpec): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.requests.cpu), memory: k8s.Quantity.fromString(r.requests.memory) },
    limits: { cpu: k8s.Quantity.fromString(r.limits.cpu), memory: k8s.Quantity.fromString(r.limits.memory) },
  };
}
