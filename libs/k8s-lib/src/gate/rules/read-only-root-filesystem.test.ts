import { describe, expect, it } from 'vitest';
import { check, deployment, goodBundle, withReadOnlyRoot } from '../../../test/gate-fixtures';
import { runGate } from '../index';
import { readOnlyRootFilesystem as rule } from './read-only-root-filesystem';

const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
const podSpec = (readOnlyRootFilesystem?: boolean) => ({
  containers: [{ name: 'c', image: 'x:1', securityContext: { ...restricted, readOnlyRootFilesystem } }],
});

const rabbitmqCluster = (pod: Record<string, unknown>) => ({
  apiVersion: 'rabbitmq.com/v1beta1',
  kind: 'RabbitmqCluster',
  metadata: { name: 'rabbitmq' },
  spec: { override: { statefulSet: { spec: { template: { spec: pod } } } } },
});

describe(rule.id, () => {
  it('stays quiet on read-only roots with a writable emptyDir, init containers and operator pods included', () => {
    const objects = withReadOnlyRoot(goodBundle());
    deployment(objects).spec.template.spec.initContainers = [
      { name: 'init', image: 'x:1', securityContext: { ...restricted, readOnlyRootFilesystem: true } },
    ];
    const readOnly = { securityContext: { readOnlyRootFilesystem: true } };
    const operatorPods = [
      rabbitmqCluster({ containers: [{ name: 'rabbitmq', ...readOnly }], initContainers: [{ name: 'setup-container', ...readOnly }] }),
      // CloudNativePG's own default container security context has a read-only root.
      { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'postgres' }, spec: { instances: 1 } },
    ];
    expect(check(rule, [...objects, ...operatorPods])).toEqual([]);
  });

  it('fires on readOnlyRootFilesystem false or not set, naming object, container and the emptyDir fix', () => {
    const objects = goodBundle();
    deployment(objects).spec.template.spec.initContainers = [
      { name: 'init', image: 'x:1', securityContext: { ...restricted, readOnlyRootFilesystem: false } },
    ];
    const findings = check(rule, objects);
    expect(findings).toEqual([
      {
        rule: rule.id,
        object: 'Deployment/web',
        message: 'container "init" has a writable root filesystem (readOnlyRootFilesystem is false)',
        fix: 'set securityContext.readOnlyRootFilesystem: true on it and mount an emptyDir at each path it must write (for example /tmp), as the blueprints do for their writablePaths',
      },
      expect.objectContaining({ message: 'container "web" has a writable root filesystem (readOnlyRootFilesystem not set)' }),
    ]);
  });

  it('checks every pod template kind and bare Pods', () => {
    const template = (ro?: boolean) => ({ template: { spec: podSpec(ro) } });
    const objects = [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts' }, spec: template(false) },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' }, spec: template() },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: template(false) },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: template() },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron' }, spec: { jobTemplate: { spec: template(false) } } },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'rollout' }, spec: template() },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod' }, spec: podSpec(false) },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'read-only' }, spec: podSpec(true) },
    ];
    expect(check(rule, objects).map((f) => f.object)).toEqual([
      'StatefulSet/sts',
      'DaemonSet/ds',
      'ReplicaSet/rs',
      'Job/job',
      'CronJob/cron',
      'Rollout/rollout',
      'Pod/pod',
    ]);
  });

  it("fires on the RabbitMQ operator's containers when the override leaves their root writable, and on extra containers", () => {
    const findings = check(rule, [
      rabbitmqCluster({
        containers: [{ name: 'rabbitmq', securityContext: { readOnlyRootFilesystem: true } }, { name: 'sidecar' }],
      }),
    ]);
    expect(findings.map((f) => [f.object, f.message])).toEqual([
      ['RabbitmqCluster/rabbitmq', 'container "setup-container" has a writable root filesystem (readOnlyRootFilesystem not set)'],
      ['RabbitmqCluster/rabbitmq', 'container "sidecar" has a writable root filesystem (readOnlyRootFilesystem not set)'],
    ]);
    expect(findings[0]!.fix).toContain(
      'spec.override.statefulSet.spec.template.spec.initContainers[name=setup-container].securityContext.readOnlyRootFilesystem: true',
    );
    expect(check(rule, [{ ...rabbitmqCluster({}), spec: {} }]).map((f) => f.message)).toEqual([
      'container "setup-container" has a writable root filesystem (readOnlyRootFilesystem not set)',
      'container "rabbitmq" has a writable root filesystem (readOnlyRootFilesystem not set)',
    ]);
  });

  it("fires on a CloudNativePG Cluster whose spec.securityContext replaces the operator's read-only root", () => {
    const cluster = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'postgres' },
      spec: { instances: 1, securityContext: { runAsNonRoot: true } },
    };
    expect(check(rule, [cluster])).toEqual([
      expect.objectContaining({
        object: 'Cluster/postgres',
        message: 'every container (spec.securityContext) has a writable root filesystem (readOnlyRootFilesystem not set)',
      }),
    ]);
  });

  it('is part of the gate', () => {
    const objects = withReadOnlyRoot(goodBundle());
    deployment(objects).spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    expect(runGate(objects).filter((f) => f.rule === rule.id)).toHaveLength(1);
  });
});
