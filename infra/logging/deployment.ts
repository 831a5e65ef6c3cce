import { disruptionBudget, restrictedPodSecurityContext, spreadConstraints } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

export interface LoggingDeploymentProps {
  /** Its ServiceAccount (made by the caller) and the name of its objects. */
  readonly name: string;
  /** Metadata of its objects, made fresh for each. */
  readonly metadata: () => { name: string; namespace: string; labels: Record<string, string> };
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly replicas: number;
  /** The user its pods run as. */
  readonly user: number;
  readonly containers: k8s.Container[];
  readonly volumes: k8s.Volume[];
}

/**
 * A Deployment of infra/logging (Kibana, the OpenTelemetry collector): restricted pods of their own
 * ServiceAccount with no token, a rolling update, and where it runs more than one replica, spread and
 * a PodDisruptionBudget (`<id>Budget`).
 */
export function loggingDeployment(scope: Construct, id: string, p: LoggingDeploymentProps): void {
  new k8s.KubeDeployment(scope, id, {
    metadata: p.metadata(),
    spec: {
      replicas: p.replicas,
      selector: { matchLabels: { ...p.selector } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromString('25%') },
      },
      template: {
        metadata: { labels: { ...p.labels } },
        spec: {
          serviceAccountName: p.name,
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurityContext(p.user),
          ...(p.replicas > 1 ? { topologySpreadConstraints: spreadConstraints({ ...p.selector }, ['pod-template-hash']) } : {}),
          containers: p.containers,
          volumes: p.volumes,
        },
      },
    },
  });
  if (p.replicas > 1) disruptionBudget(scope, `${id}Budget`, { metadata: p.metadata(), selector: { ...p.selector }, evictUnhealthy: true });
}

/** An environment variable from a key of a Secret. */
export const fromSecret =
  (secret: string) =>
  (name: string, key: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
