import { describe, expect, it } from 'vitest';
import { check, deployment, goodBundle } from '../../../test/gate-fixtures';
import { podSecurityRestricted as rule } from './pod-security-restricted';

describe(rule.id, () => {
  it('stays quiet on a restricted pod', () => {
    expect(check(rule, goodBundle())).toEqual([]);
  });

  it('fires on privilege escalation, kept capabilities and a missing seccomp profile, init containers included', () => {
    const objects = goodBundle();
    const spec = deployment(objects).spec.template.spec;
    delete spec.securityContext.seccompProfile;
    spec.initContainers = [{ name: 'init', image: 'x:1', securityContext: { capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } } }];
    const messages = check(rule, objects).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'container "init" allows privilege escalation',
        'container "init" adds capabilities SYS_ADMIN',
        'container "web" has no seccomp profile',
      ]),
    );
  });

  it('fires on privileged containers, host namespaces and hostPath volumes, naming object and fix', () => {
    const objects = goodBundle();
    const spec = deployment(objects).spec.template.spec;
    spec.hostNetwork = true;
    spec.volumes = [{ name: 'root', hostPath: { path: '/' } }];
    spec.containers[0].securityContext.privileged = true;
    const findings = check(rule, objects);
    expect(findings).toContainEqual({
      rule: rule.id,
      object: 'Deployment/web',
      message: 'container "web" is privileged',
      fix: 'set securityContext.privileged: false',
    });
    expect(findings.map((f) => f.message)).toEqual(expect.arrayContaining(['hostNetwork is true', 'volume "root" is of type hostPath']));
  });

  it('checks CronJob pod templates too', () => {
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'job' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } } } },
    };
    expect(check(rule, [cronJob]).map((f) => f.object)).toContain('CronJob/job');
  });

  it('checks bare Pods and the containers a RabbitmqCluster override sets for the operator', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' }, spec: { containers: [{ name: 'shell', image: 'x:1' }] } };
    const rabbit = {
      apiVersion: 'rabbitmq.com/v1beta1',
      kind: 'RabbitmqCluster',
      metadata: { name: 'rabbitmq' },
      spec: {
        override: {
          statefulSet: { spec: { template: { spec: { containers: [{ name: 'rabbitmq', securityContext: { runAsNonRoot: false } }] } } } },
        },
      },
    };
    const findings = check(rule, [pod, rabbit]);
    expect(findings.map((f) => f.object)).toEqual(expect.arrayContaining(['Pod/debug', 'RabbitmqCluster/rabbitmq']));
    expect(findings.filter((f) => f.object === 'RabbitmqCluster/rabbitmq').map((f) => f.message)).toContain(
      'container "rabbitmq" may run as root',
    );
  });

  describe('the node-log exemption (a read-only /var/log for the log collector, in its namespace labelled privileged)', () => {
    const namespace = (name: string, level?: string) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: level ? { 'pod-security.kubernetes.io/enforce': level } : {} },
    });
    /** The good bundle's Deployment in namespace `ns`, as the collector's ServiceAccount, mounting host path `path` at /host. */
    const collector = (ns: string, path = '/var/log', mount: { readOnly?: boolean } = { readOnly: true }, account = 'fluent-bit') => {
      const objects = goodBundle();
      const d = deployment(objects);
      d.metadata.namespace = ns;
      d.spec.template.spec.serviceAccountName = account;
      d.spec.template.spec.volumes = [{ name: 'node-logs', hostPath: { path, type: 'Directory' } }];
      d.spec.template.spec.containers[0].volumeMounts = [{ name: 'node-logs', mountPath: '/host', ...mount }];
      return objects;
    };
    const messages = (objects: any[]) => check(rule, objects).map((f) => f.message);

    it("admits a read-only /var/log for the collector's ServiceAccount in its namespace, which enforces privileged", () => {
      expect(check(rule, [namespace('log-collector', 'privileged'), ...collector('log-collector')])).toEqual([]);
      expect(check(rule, [namespace('log-collector', 'privileged'), ...collector('log-collector', '/var/log/')])).toEqual([]);
    });

    it("fails when the namespace enforces restricted or baseline, carries no label, is not in the bundle, is not the collector's, or the pod is not the collector", () => {
      for (const objects of [
        [namespace('b2connect', 'restricted'), ...collector('b2connect')],
        [namespace('b2connect', 'baseline'), ...collector('b2connect')],
        [namespace('b2connect'), ...collector('b2connect')],
        collector('elsewhere'),
        // Another namespace that enforces privileged is not the collector's.
        [namespace('other-privileged', 'privileged'), ...collector('other-privileged')],
        // Another ServiceAccount in the collector's namespace, or none (default), is not the collector.
        [namespace('log-collector', 'privileged'), ...collector('log-collector', '/var/log', { readOnly: true }, 'web')],
        [namespace('log-collector', 'privileged'), ...collector('log-collector', '/var/log', { readOnly: true }, 'default')],
      ]) {
        expect(check(rule, objects)).toEqual([
          {
            rule: rule.id,
            object: 'Deployment/web',
            message: 'volume "node-logs" is of type hostPath',
            fix: 'use one of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret; only the node log collector (ServiceAccount fluent-bit in namespace log-collector, labelled pod-security.kubernetes.io/enforce: privileged) may mount /var/log read-only',
          },
        ]);
      }
    });

    it('fails when the privileged namespace mounts another host path, or /var/log writable', () => {
      const ns = namespace('log-collector', 'privileged');
      for (const path of ['/', '/var', '/var/lib/kubelet', '/etc', '/var/log/../../etc'])
        expect(messages([ns, ...collector('log-collector', path)])).toEqual(['volume "node-logs" is of type hostPath']);
      for (const mount of [{ readOnly: false }, {}])
        expect(check(rule, [ns, ...collector('log-collector', '/var/log', mount)])).toEqual([
          {
            rule: rule.id,
            object: 'Deployment/web',
            message: 'hostPath volume "node-logs" (/var/log) is mounted writable by container "web"',
            fix: 'set readOnly: true on every volumeMount of it',
          },
        ]);
    });

    it('still applies every other check of restricted in the privileged namespace', () => {
      const objects = [namespace('log-collector', 'privileged'), ...collector('log-collector')];
      const spec = deployment(objects).spec.template.spec;
      spec.hostNetwork = true;
      spec.containers[0].securityContext = { privileged: true, capabilities: { add: ['DAC_READ_SEARCH'] } };
      expect(messages(objects)).toEqual(
        expect.arrayContaining([
          'hostNetwork is true',
          'container "web" is privileged',
          'container "web" allows privilege escalation',
          'container "web" does not drop all capabilities',
          'container "web" adds capabilities DAC_READ_SEARCH',
        ]),
      );
    });
  });
});
