// Rules of the platform that more than one stage enforces (the schemas when a definition loads, the
// blueprints when they are used directly, the policy gate over the bundle): each written once here.

/** The tag of an image reference: after the last `:` of its last path segment (a registry port is not a tag). */
export function imageTag(image: string): string | undefined {
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
}

/** Why an image reference is not pinned (`untagged`, `latest`), or undefined when a tag or a digest pins it. */
export function unpinnedImage(image: string): 'untagged' | 'latest' | undefined {
  if (image.includes('@sha256:')) return undefined;
  const tag = imageTag(image);
  return !tag ? 'untagged' : tag === 'latest' ? 'latest' : undefined;
}

/** A tag that pins a version (for schemas of tags on their own). */
export const isPinnedTag = (tag: string): boolean => tag !== 'latest';
export const PINNED_TAG_MESSAGE = 'must not be "latest": pin a version';

/** What is wrong with an autoscaling range, or undefined. */
export function autoscalingRangeProblem(a: { readonly min: number; readonly max: number }): string | undefined {
  return a.min > a.max ? `min ${a.min} is above max ${a.max}` : undefined;
}

/** What is wrong with a graceful shutdown, or undefined: the grace period must outlast the preStop wait. */
export function shutdownProblem(s: {
  readonly preStopSeconds: number;
  readonly terminationGracePeriodSeconds: number;
}): string | undefined {
  return s.terminationGracePeriodSeconds <= s.preStopSeconds
    ? `${s.terminationGracePeriodSeconds}s must be longer than preStopSeconds (${s.preStopSeconds}s), or the app gets no time to drain`
    : undefined;
}

/**
 * Annotations that keep an object (a volume, a namespace) when it leaves the bundle or when the Argo CD
 * Application or Flux Kustomization that deployed it is deleted: Argo CD, Flux and Helm never delete it.
 */
export const KEEP_ON_PRUNE = {
  'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'helm.sh/resource-policy': 'keep',
} as const;

/**
 * Where each mesh's control plane runs, and the ports its proxies call: every namespace enrolled in the
 * mesh opens egress to them (infra/namespaces, infra/logging).
 */
export const MESH_CONTROL_PLANE = {
  istio: { namespace: 'istio-system', ports: [15012] },
  linkerd: { namespace: 'linkerd', ports: [8080, 8086, 8090] },
} as const;

/**
 * The pod annotation that runs a mesh's proxy as a native sidecar (an init container that keeps
 * running): it stops when the Job's container ends, where a plain sidecar would keep the pod running.
 * Every Job of a meshed namespace sets it (migrations, infra/logging's index setup).
 */
export const MESH_NATIVE_SIDECAR: Readonly<Record<string, string | undefined>> = {
  istio: 'sidecar.istio.io/nativeSidecar',
  linkerd: 'config.alpha.linkerd.io/proxy-enable-native-sidecar',
  none: undefined,
};

/**
 * The node log collector (docs/decisions/016-node-log-collection.md): the one namespace whose pods the
 * policy gate lets mount the nodes' log directory, and the one ServiceAccount it lets hold the
 * pod-metadata ClusterRole. infra/logging creates both under these names; a change here is a change
 * of the decision.
 */
export const NODE_LOG_COLLECTOR = { namespace: 'log-collector', serviceAccount: 'fluent-bit' } as const;
