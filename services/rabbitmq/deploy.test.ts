import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';
import { runGate } from '@b2connect/k8s-lib/pipeline';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

const cluster = (env: string) => findObject(bundle(env), 'RabbitmqCluster', 'rabbitmq');

describe('rabbitmq', () => {
  it('is a RabbitmqCluster of three in prod, with quorum queues by default and partition handling', () => {
    expect(cluster('prod').spec.replicas).toBe(3);
    expect(cluster('prod').spec.rabbitmq.additionalConfig).toContain('default_queue_type = quorum');
    expect(cluster('prod').spec.rabbitmq.additionalConfig).toContain('cluster_partition_handling = pause_minority');
    expect(cluster('prod').spec.persistence).toEqual({ storageClassName: 'fast-ssd', storage: '50Gi' });
  });

  it('bounds voluntary disruption to one node where there are three', () => {
    expect(findObject(bundle('prod'), 'PodDisruptionBudget', 'rabbitmq').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'rabbitmq' } },
    });
    expect(bundle('dev').some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('takes its default user from the ExternalSecret-created Secret', () => {
    expect(cluster('prod').spec.secretBackend).toEqual({ externalSecret: { name: 'rabbitmq-credentials' } });
  });

  it('gives the operator pods the security context of every pod: restricted, with a read-only root', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const pod = cluster(env).spec.override.statefulSet.spec.template.spec;
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(['rabbitmq']);
      expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(['setup-container']);
      for (const c of [...pod.containers, ...pod.initContainers]) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
      }
      expect(runGate(bundle(env)).filter((f) => f.rule === 'read-only-root-filesystem')).toEqual([]);
    }
  });

  it('mounts writable emptyDirs where RabbitMQ writes beyond what the operator mounts', () => {
    const pod = cluster('prod').spec.override.statefulSet.spec.template.spec;
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'writable-tmp', mountPath: '/tmp' },
      { name: 'writable-var-log-rabbitmq', mountPath: '/var/log/rabbitmq' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'writable-tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'writable-var-log-rabbitmq', emptyDir: { sizeLimit: '256Mi' } },
    ]);
    // The setup-container writes only into the operator's own emptyDirs (/etc/rabbitmq, /var/lib/rabbitmq).
    expect(pod.initContainers[0].volumeMounts).toBeUndefined();
  });

  it('exports its definitions nightly', () => {
    const script = findObject(bundle('dev'), 'CronJob', 'rabbitmq-backup').spec.jobTemplate.spec.template.spec.containers[0].command[2];
    expect(script).toContain('http://rabbitmq:15672/api/definitions');
  });
});
