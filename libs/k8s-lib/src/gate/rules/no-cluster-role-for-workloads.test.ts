import { describe, expect, it } from 'vitest';
import { check, goodBundle } from '../../../test/gate-fixtures';
import { runGate } from '../index';
import { noClusterRoleForWorkloads as rule } from './no-cluster-role-for-workloads';

type Subject = { kind: string; name: string; namespace?: string };
const sa = (name: string, namespace = 'b2connect'): Subject => ({ kind: 'ServiceAccount', name, namespace });

const clusterRoleBinding = (role: string, ...subjects: Subject[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: `${role}-binding` },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects,
});
const roleBinding = (kind: 'Role' | 'ClusterRole', role: string, ...subjects: Subject[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: `${role}-binding`, namespace: 'b2connect' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
  subjects,
});

describe(rule.id, () => {
  it("stays quiet on a RoleBinding to a namespaced Role, and on ClusterRoles bound to no workload's ServiceAccount", () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'reader', namespace: 'b2connect' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    };
    expect(
      check(rule, [
        ...goodBundle(),
        role,
        roleBinding('Role', 'reader', sa('web')),
        clusterRoleBinding('cluster-admin', sa('ci-deployer', 'ci'), { kind: 'User', name: 'alice' }),
      ]),
    ).toEqual([]);
  });

  it("fires on a ClusterRoleBinding of cluster-admin to a workload's ServiceAccount, naming binding, pods and fix", () => {
    expect(check(rule, [...goodBundle(), clusterRoleBinding('cluster-admin', sa('web'))])).toEqual([
      {
        rule: rule.id,
        object: 'ClusterRoleBinding/cluster-admin-binding',
        message:
          'binds ClusterRole "cluster-admin" (every right on the whole cluster) to ServiceAccount "web", which the pods of Deployment/web run as',
        fix: 'remove the binding; grant what the workload needs with a Role in its namespace that lists the verbs and resources, and a RoleBinding to it',
      },
    ]);
  });

  it('fires on a RoleBinding to a ClusterRole, view included', () => {
    expect(check(rule, [...goodBundle(), roleBinding('ClusterRole', 'view', sa('web'))])).toEqual([
      expect.objectContaining({
        object: 'RoleBinding/view-binding',
        message: 'binds ClusterRole "view" to ServiceAccount "web", which the pods of Deployment/web run as',
        fix: 'bind a Role of the bundle that lists the verbs and resources the workload needs instead of a ClusterRole',
      }),
    ]);
  });

  it('fires on groups and user names that hold the ServiceAccount, and on the default one and operator-made pods', () => {
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
    const rabbitmq = { apiVersion: 'rabbitmq.com/v1beta1', kind: 'RabbitmqCluster', metadata: { name: 'rabbitmq' }, spec: {} };
    const postgres = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'postgres' }, spec: { instances: 1 } };
    const messages = check(rule, [
      ...goodBundle(),
      bare,
      rabbitmq,
      postgres,
      clusterRoleBinding('edit', { kind: 'Group', name: 'system:serviceaccounts' }),
      clusterRoleBinding('admin', { kind: 'User', name: 'system:serviceaccount:b2connect:web' }),
      clusterRoleBinding('view', sa('default'), sa('rabbitmq-server'), sa('postgres')),
    ]).map((f) => f.message);
    expect(messages).toEqual([
      'binds ClusterRole "edit" to Group "system:serviceaccounts", which the pods of Deployment/web, Pod/bare, RabbitmqCluster/rabbitmq, Cluster/postgres run as',
      'binds ClusterRole "admin" to User "system:serviceaccount:b2connect:web", which the pods of Deployment/web run as',
      'binds ClusterRole "view" to ServiceAccount "default", which the pods of Pod/bare run as',
      'binds ClusterRole "view" to ServiceAccount "rabbitmq-server", which the pods of RabbitmqCluster/rabbitmq run as',
      'binds ClusterRole "view" to ServiceAccount "postgres", which the pods of Cluster/postgres run as',
    ]);
  });

  describe('the pod-metadata reader allowance (a node log collector)', () => {
    type PolicyRule = { apiGroups?: string[]; resources?: string[]; verbs?: string[]; nonResourceURLs?: string[] };
    const clusterRole = (rules: PolicyRule[], extra: Record<string, unknown> = {}) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'log-reader' },
      rules,
      ...extra,
    });
    const reader: PolicyRule = { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] };
    const collector = sa('fluent-bit', 'log-collector');
    /** The good bundle with the collector's DaemonSet (as ServiceAccount fluent-bit of log-collector), `role` and a binding of it to `subjects`. */
    const bundleWith = (role: unknown, ...subjects: Subject[]) => {
      const objects = goodBundle();
      const web = objects.find((o) => o.kind === 'Deployment');
      const daemonSet = {
        ...structuredClone(web),
        kind: 'DaemonSet',
        metadata: { name: 'fluent-bit', namespace: 'log-collector' },
      };
      daemonSet.spec.template.spec.serviceAccountName = 'fluent-bit';
      return [...objects, daemonSet, role, clusterRoleBinding('log-reader', ...subjects)];
    };
    const firing = (role: unknown) => check(rule, bundleWith(role, collector));

    it("stays quiet on a ClusterRole of the bundle that only gets, lists and watches pods and namespaces, bound to the collector's ServiceAccount", () => {
      expect(firing(clusterRole([reader]))).toEqual([]);
      expect(firing(clusterRole([{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }]))).toEqual([]);
      // A RoleBinding in the collector's namespace names the ServiceAccount without a namespace.
      const binding = { ...roleBinding('ClusterRole', 'log-reader', { kind: 'ServiceAccount', name: 'fluent-bit' }) };
      binding.metadata = { ...binding.metadata, namespace: 'log-collector' };
      expect(check(rule, [...bundleWith(clusterRole([reader]), collector), binding])).toEqual([]);
    });

    it('fails when the same ClusterRole is bound to any other subject: a platform ServiceAccount, a group, a user, a namesake elsewhere', () => {
      for (const subject of [
        sa('web'),
        sa('fluent-bit', 'b2connect'),
        sa('other', 'log-collector'),
        { kind: 'Group', name: 'system:serviceaccounts' },
        { kind: 'Group', name: 'system:serviceaccounts:log-collector' },
        { kind: 'User', name: 'system:serviceaccount:log-collector:fluent-bit' },
        { kind: 'User', name: 'alice' },
      ]) {
        expect(check(rule, bundleWith(clusterRole([reader]), collector, subject))).toEqual([
          {
            rule: rule.id,
            object: 'ClusterRoleBinding/log-reader-binding',
            message: `binds ClusterRole "log-reader" (reads every pod and namespace) to ${subject.kind} "${subject.name}"${subject.namespace ? ` of namespace ${subject.namespace}` : ''}, which is not the node log collector`,
            fix: 'bind it to ServiceAccount fluent-bit of namespace log-collector alone; grant other workloads a Role in their namespace',
          },
        ]);
      }
      // A RoleBinding of another namespace naming fluent-bit without a namespace means that namespace's account.
      expect(
        check(rule, [
          ...bundleWith(clusterRole([reader])),
          roleBinding('ClusterRole', 'log-reader', { kind: 'ServiceAccount', name: 'fluent-bit' }),
        ]),
      ).toHaveLength(1);
    });

    it('fails when the ClusterRole reads anything more, writes, aggregates, or is not in the bundle', () => {
      for (const role of [
        clusterRole([reader, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]),
        clusterRole([{ ...reader, resources: ['pods', 'pods/log'] }]),
        clusterRole([{ ...reader, resources: ['*'] }]),
        clusterRole([{ ...reader, verbs: ['get', 'list', 'watch', 'delete'] }]),
        clusterRole([{ ...reader, verbs: ['*'] }]),
        clusterRole([{ ...reader, apiGroups: ['*'] }]),
        clusterRole([{ ...reader, apiGroups: ['apps'] }]),
        clusterRole([reader, { nonResourceURLs: ['/metrics'], verbs: ['get'] }]),
        clusterRole([reader], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } }),
        clusterRole([]),
        { ...clusterRole([reader]), metadata: { name: 'another-name' } },
      ]) {
        expect(firing(role)).toEqual([
          expect.objectContaining({
            message: 'binds ClusterRole "log-reader" to ServiceAccount "fluent-bit", which the pods of DaemonSet/fluent-bit run as',
          }),
        ]);
      }
    });
  });

  it('is part of the gate', () => {
    expect(runGate([...goodBundle(), clusterRoleBinding('cluster-admin', sa('web'))]).filter((f) => f.rule === rule.id)).toHaveLength(1);
  });
});
