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
});
