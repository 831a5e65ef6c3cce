import { readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '@marcbachmann/cel-js';
import { parse } from 'yaml';
import { ConfigError, findObject, synthesizePackage, type Environment, type KubeObject } from '@b2connect/k8s-lib';
import { loadWorkspace, parseEnvironment, runGate, synthesize } from '@b2connect/k8s-lib/pipeline';
import { importLoader, synth } from '../../libs/k8s-lib/test/helpers';
import definition from './deploy';

const ENVS = ['dev', 'staging', 'prod'] as const;

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

/** The environment file as committed: what each environment asks for. */
const envFile = (env: string) => parse(readFileSync(join(__dirname, '..', '..', 'environments', `${env}.yaml`), 'utf8'));

const daemonSet = (env: string) => findObject(bundle(env), 'DaemonSet', 'fluent-bit');
const fluentBitConfig = (env: string) => parse(findObject(bundle(env), 'ConfigMap', 'fluent-bit-config').data['fluent-bit.yaml']);
const collectorConfig = (env: string) => parse(findObject(bundle(env), 'ConfigMap', 'otel-collector-config').data['config.yaml']);
const podSecurity = (env: string, ns: string) =>
  Object.fromEntries(
    Object.entries(findObject(bundle(env), 'Namespace', ns).metadata.labels as Record<string, string>).filter(([k]) =>
      k.startsWith('pod-security.kubernetes.io/'),
    ),
  );

describe('infra/logging: Fluent Bit on every node', () => {
  it('runs in its own namespace, the only one that enforces Pod Security privileged; the other stays restricted', () => {
    for (const env of ENVS) {
      expect(daemonSet(env).metadata.namespace).toBe('log-collector');
      expect(podSecurity(env, 'log-collector')).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      });
      expect(
        new Set(
          Object.entries(podSecurity(env, 'observability'))
            .filter(([k]) => !k.endsWith('-version'))
            .map(([, v]) => v),
        ),
      ).toEqual(new Set(['restricted']));
      // Nothing else of the package lands in the privileged namespace but the collector and its own objects.
      const inCollectorNs = bundle(env).filter(
        (o) => o.metadata.namespace === 'log-collector' && 'spec' in o && o.kind !== 'NetworkPolicy',
      );
      expect(inCollectorNs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
        'DaemonSet/fluent-bit',
        'ExternalSecret/fluent-bit-credentials',
      ]);
    }
  });

  it('mounts /var/log from the host read-only, and no other host path', () => {
    const spec = daemonSet('prod').spec.template.spec;
    const hostPaths = spec.volumes.filter((v: { hostPath?: unknown }) => v.hostPath);
    expect(hostPaths).toEqual([{ name: 'node-logs', hostPath: { path: '/var/log', type: 'Directory' } }]);
    const mounts = spec.containers
      .flatMap((c: { volumeMounts: { name: string }[] }) => c.volumeMounts)
      .filter((m: { name: string }) => m.name === 'node-logs');
    expect(mounts).toEqual([{ name: 'node-logs', mountPath: '/var/log', readOnly: true }]);
  });

  it('is otherwise restricted: not root, no capability, no escalation, read-only root, seccomp', () => {
    const spec = daemonSet('prod').spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(spec.hostNetwork ?? false).toBe(false);
    expect(spec.hostPID ?? false).toBe(false);
    for (const c of spec.containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.securityContext.capabilities.add).toBeUndefined();
      expect(c.image).toMatch(/\/fluent\/fluent-bit:\d+\.\d+\.\d+$/);
    }
  });

  it('tolerates every taint, so that no node goes uncollected, and is scheduled as node-critical', () => {
    for (const env of ENVS) {
      expect(daemonSet(env).spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
      expect(daemonSet(env).spec.template.spec.priorityClassName).toBe('system-node-critical');
    }
  });

  it('only gets, lists and watches pods and namespaces, through a ClusterRole of the bundle bound to its ServiceAccount alone', () => {
    const role = findObject(bundle('prod'), 'ClusterRole', 'log-collector-metadata-reader');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }]);
    const binding = findObject(bundle('prod'), 'ClusterRoleBinding', 'log-collector-metadata-reader');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'log-collector-metadata-reader' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'fluent-bit', namespace: 'log-collector' }]);
    expect(daemonSet('prod').spec.template.spec.serviceAccountName).toBe('fluent-bit');
  });

  it('has a YAML configuration with the kubernetes filter and the Elasticsearch output in every environment', () => {
    for (const env of ENVS) {
      const config = fluentBitConfig(env);
      expect(config.pipeline.inputs).toEqual([
        expect.objectContaining({ name: 'tail', path: '/var/log/containers/*.log', 'multiline.parser': 'cri' }),
      ]);
      expect(config.pipeline.filters).toEqual([
        expect.objectContaining({ name: 'kubernetes', match: 'kube.*', kube_url: 'https://kubernetes.default.svc:443' }),
      ]);
      // The platform's Elasticsearch, as the environment files ask.
      expect(envFile(env).logging.elasticsearch).toEqual({ type: 'platform' });
      expect(config.pipeline.outputs).toEqual([
        expect.objectContaining({
          name: 'es',
          match: 'kube.*',
          host: 'elasticsearch.b2connect.svc',
          port: 9200,
          http_user: '${ES_USERNAME}',
        }),
      ]);
      // The mounted file is the one the command reads.
      expect(daemonSet(env).spec.template.spec.containers[0].command).toContain('--config=/fluent-bit/etc/fluent-bit.yaml');
    }
  });

  it('parses the log lines as JSON where the environment logs JSON, and leaves text lines as they are', () => {
    for (const env of ENVS) {
      const filter = fluentBitConfig(env).pipeline.filters[0];
      if (envFile(env).logging.format === 'json') expect(filter).toMatchObject({ merge_log: 'on', keep_log: 'off' });
      else expect(filter.merge_log).toBe('off');
    }
    expect(envFile('dev').logging.format).toBe('text');
    expect(envFile('prod').logging.format).toBe('json');
  });

  it('reaches only Elasticsearch and the API server, and is reached only by the monitoring namespace on its metrics port', () => {
    const policy = findObject(bundle('prod'), 'NetworkPolicy', 'fluent-bit');
    expect(policy.spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b2connect' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'elasticsearch', 'app.kubernetes.io/instance': 'elasticsearch' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 9200 }],
      },
      { to: [{ ipBlock: { cidr: envFile('prod').network.apiServer.cidr } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: 2020 }],
      },
    ]);
    expect(findObject(bundle('prod'), 'NetworkPolicy', 'log-collector-default-deny').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
  });

  it('reads its Elasticsearch credentials from the secret backend, never from the bundle', () => {
    const secret = findObject(bundle('prod'), 'ExternalSecret', 'fluent-bit-credentials');
    expect(secret.metadata.namespace).toBe('log-collector');
    expect(secret.spec.data).toEqual([
      { secretKey: 'username', remoteRef: { key: 'b2connect/logging', property: 'username' } },
      { secretKey: 'password', remoteRef: { key: 'b2connect/logging', property: 'password' } },
    ]);
    expect(bundle('prod').some((o) => o.kind === 'Secret')).toBe(false);
  });
});

describe('infra/logging: Fluent Bit under load and outages', () => {
  /** Bytes of a Kubernetes quantity (`512Mi`) or of a Fluent Bit size (`400M`), a Fluent Bit size read as binary: the larger reading. */
  const bytes = (q: string) => {
    const m = /^(\d+)(Ki|Mi|Gi|K|M|G)?$/.exec(q)!;
    const unit: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
    return Number(m[1]) * (m[2] ? unit[m[2]]! : 1);
  };

  it('bounds the filesystem buffer of the Elasticsearch output below its volume, however long the outage', () => {
    for (const env of ENVS) {
      const output = fluentBitConfig(env).pipeline.outputs[0];
      const spec = daemonSet(env).spec.template.spec;
      const mount = spec.containers[0].volumeMounts.find(
        (m: { mountPath: string }) => m.mountPath === fluentBitConfig(env).service['storage.path'],
      );
      const volume = spec.volumes.find((v: { name: string }) => v.name === mount.name);
      expect(output.retry_limit).toBe('no_limits');
      expect(output['storage.total_limit_size']).toBeDefined();
      // With room to spare for the chunks being written and the chunk metadata: at most 80 % of the volume.
      expect(bytes(output['storage.total_limit_size'])).toBeLessThanOrEqual(0.8 * bytes(volume.emptyDir.sizeLimit));
      expect(fluentBitConfig(env).pipeline.inputs[0]['storage.type']).toBe('filesystem');
    }
  });

  it('stays alive while Elasticsearch is down: liveness on the HTTP server, readiness on the output health', () => {
    const container = daemonSet('prod').spec.template.spec.containers[0];
    expect(fluentBitConfig('prod').service.health_check).toBe('on');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/api/v1/health', port: 2020 });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/', port: 2020 });
  });

  it('runs on Linux nodes only, and does not tail its own log', () => {
    for (const env of ENVS) {
      expect(daemonSet(env).spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
      const input = fluentBitConfig(env).pipeline.inputs[0];
      // The kubelet's names: <pod>_<namespace>_<container>-<container id>.log
      const own = '/var/log/containers/fluent-bit-x7k2q_log-collector_fluent-bit-3f9a0c.log';
      const other = '/var/log/containers/orders-5d8f9-abcde_b2connect_orders-77aa01.log';
      expect(matchesGlob(own, input.path)).toBe(true);
      expect(matchesGlob(own, input.exclude_path)).toBe(true);
      expect(matchesGlob(other, input.exclude_path)).toBe(false);
      expect(matchesGlob('/var/log/containers/fluent-bit-x7k2q_observability_fluent-bit-3f9a0c.log', input.exclude_path)).toBe(false);
    }
  });
});

describe('infra/logging: Fluent Bit outside the mesh', () => {
  it('turns mesh injection off for the collector namespace and its pods, and keeps it on for observability', () => {
    const ns = (env: string, name: string) =>
      findObject(bundle(env), 'Namespace', name).metadata as unknown as {
        labels: Record<string, string>;
        annotations: Record<string, string>;
      };
    const pod = (env: string) => daemonSet(env).spec.template.metadata.annotations ?? {};
    expect(envFile('prod').capabilities.serviceMesh).toBe('istio');
    expect(ns('prod', 'log-collector').labels['istio-injection']).toBe('disabled');
    expect(pod('prod')['sidecar.istio.io/inject']).toBe('false');
    expect(ns('prod', 'observability').labels['istio-injection']).toBe('enabled');
    expect(envFile('staging').capabilities.serviceMesh).toBe('linkerd');
    expect(ns('staging', 'log-collector').annotations['linkerd.io/inject']).toBe('disabled');
    expect(pod('staging')['linkerd.io/inject']).toBe('disabled');
    expect(ns('staging', 'observability').annotations['linkerd.io/inject']).toBe('enabled');
    expect(envFile('dev').capabilities.serviceMesh).toBe('none');
    expect(Object.keys(pod('dev')).filter((k) => k.includes('inject'))).toEqual([]);
    for (const env of ['staging', 'prod']) {
      // No proxy, so no call to the mesh control plane from the collector namespace.
      const names = bundle(env)
        .filter((o) => o.kind === 'NetworkPolicy')
        .map((o) => o.metadata.name);
      expect(names).not.toContain('log-collector-allow-mesh-control-plane');
      expect(names).toContain('observability-allow-mesh-control-plane');
    }
  });

  it("is admitted by its own policy where a mesh's injected init container would not be", () => {
    const validations = findObject(bundle('prod'), 'ValidatingAdmissionPolicy', 'log-collector-node-logs-only').spec.validations as {
      expression: string;
    }[];
    const admitted = (spec: unknown) =>
      validations.every(
        (v) => evaluate(v.expression, { object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec } }) === true,
      );
    const spec = structuredClone(daemonSet('prod').spec.template.spec);
    expect(admitted(spec)).toBe(true);
    // What istio-init looks like (NET_ADMIN, NET_RAW, user 0): the reason injection is off.
    spec.initContainers = [
      {
        name: 'istio-init',
        image: 'istio/proxyv2:1.24.0',
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
          runAsNonRoot: false,
          runAsUser: 0,
        },
      },
    ];
    expect(admitted(spec)).toBe(false);
  });

  it('reaches the platform Elasticsearch under Istio: plain text on 9200 alone, from callers without a mesh identity', async () => {
    const root = join(__dirname, '..', '..');
    const { bundles } = await synthesize(root, { packages: ['elasticsearch'], environments: ['prod'], load: importLoader });
    const es = bundles.get('prod')!.get('elasticsearch')!;
    const authz = findObject(es, 'AuthorizationPolicy', 'elasticsearch');
    expect(authz.spec.rules).toContainEqual({ from: [{ source: { notPrincipals: ['*'] } }], to: [{ operation: { ports: ['9200'] } }] });
    expect(authz.spec.rules).toContainEqual({
      from: [{ source: { namespaces: ['observability'] } }],
      to: [{ operation: { ports: ['9200'] } }],
    });
    expect(JSON.stringify(authz.spec.rules)).not.toContain('log-collector');
    const peer = findObject(es, 'PeerAuthentication', 'elasticsearch-plaintext-ports');
    expect(peer.spec).toEqual({
      selector: authz.spec.selector,
      mtls: { mode: 'STRICT' },
      portLevelMtls: { '9200': { mode: 'PERMISSIVE' } },
    });
    // The source is restricted by the NetworkPolicy: the collector's namespace on 9200.
    expect(findObject(es, 'NetworkPolicy', 'elasticsearch').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'log-collector' } } }],
      ports: [{ protocol: 'TCP', port: 9200 }],
    });
    // The peer ports of the store stay mutual TLS only.
    expect(Object.keys(peer.spec.portLevelMtls)).toEqual(['9200']);
  });
});

describe('infra/logging: the policy gate', () => {
  it('passes the package; a pod with the same hostPath in a restricted namespace still fails', () => {
    const objects = bundle('prod');
    const psa = (list: readonly KubeObject[]) => runGate(list).filter((f) => f.rule === 'pod-security-restricted');
    expect(psa(objects)).toEqual([]);
    const ds = daemonSet('prod');
    const copy = { ...ds, metadata: { ...ds.metadata, name: 'copy', namespace: 'observability' } };
    expect(psa([...objects, copy])).toEqual([
      expect.objectContaining({ object: 'DaemonSet/copy', message: 'volume "node-logs" is of type hostPath' }),
    ]);
  });

  it('refuses the metadata ClusterRole bound to anyone but the collector', () => {
    const objects = bundle('prod');
    const rbac = (list: readonly KubeObject[]) => runGate(list).filter((f) => f.rule === 'no-cluster-role-for-workloads');
    expect(rbac(objects)).toEqual([]);
    const binding = findObject(objects, 'ClusterRoleBinding', 'log-collector-metadata-reader');
    for (const subject of [
      { kind: 'ServiceAccount', name: 'kibana', namespace: 'observability' },
      { kind: 'Group', name: 'system:serviceaccounts:b2connect' },
    ]) {
      const widened = { ...binding, metadata: { ...binding.metadata, name: 'wider' }, subjects: [...binding.subjects, subject] };
      expect(rbac([...objects, widened])).toEqual([expect.objectContaining({ object: 'ClusterRoleBinding/wider' })]);
    }
  });
});

describe('infra/logging: admission in the privileged namespace', () => {
  const policy = () => findObject(bundle('prod'), 'ValidatingAdmissionPolicy', 'log-collector-node-logs-only');
  /** The messages of the policy's validations that refuse `spec`, evaluated as the API server does (CEL). */
  const refusals = (spec: Record<string, unknown>, annotations?: Record<string, string>) =>
    (policy().spec.validations as { expression: string; message: string }[])
      .filter(
        (v) =>
          evaluate(v.expression, {
            object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...(annotations ? { annotations } : {}) }, spec },
          }) !== true,
      )
      .map((v) => v.message);
  const collectorPod = () => structuredClone(daemonSet('prod').spec.template.spec);

  it('binds a Deny policy to the collector namespace only', () => {
    expect(findObject(bundle('prod'), 'ValidatingAdmissionPolicyBinding', 'log-collector-node-logs-only').spec).toEqual({
      policyName: 'log-collector-node-logs-only',
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'log-collector' } } },
    });
  });

  it('admits the Fluent Bit pod as the bundle has it', () => {
    expect(refusals(collectorPod())).toEqual([]);
  });

  it('refuses another host path, a writable one, host namespaces, privilege, capabilities and root', () => {
    const cases: [string, (spec: any) => void][] = [
      [
        'the only host path a pod of this namespace may mount is /var/log',
        (s) => s.volumes.push({ name: 'root', hostPath: { path: '/' } }),
      ],
      [
        'host paths are mounted read-only: set readOnly: true on every volumeMount of a hostPath volume',
        (s) => (s.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'node-logs').readOnly = false),
      ],
      ['host namespaces are not allowed: remove hostNetwork, hostPID and hostIPC', (s) => (s.hostPID = true)],
      ['containers are not privileged and set allowPrivilegeEscalation: false', (s) => (s.containers[0].securityContext.privileged = true)],
      ['containers drop ALL capabilities and add none', (s) => (s.containers[0].securityContext.capabilities.add = ['DAC_READ_SEARCH'])],
      [
        'containers run as non-root: set runAsNonRoot: true on the pod or on each container',
        (s) =>
          (s.initContainers = [
            { name: 'init', image: 'x:1', securityContext: { ...s.containers[0].securityContext, runAsNonRoot: false } },
          ]),
      ],
    ];
    for (const [message, change] of cases) {
      const spec = collectorPod();
      change(spec);
      expect(refusals(spec)).toEqual([message]);
    }
  });

  it('checks ephemeral containers as they are added, through their subresource', () => {
    expect(policy().spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] },
    ]);
    const spec: any = collectorPod();
    spec.ephemeralContainers = [{ name: 'debug', image: 'x:1', securityContext: { privileged: true } }];
    expect(refusals(spec)).toContain('containers are not privileged and set allowPrivilegeEscalation: false');
  });

  it('refuses the rest of baseline: host ports, unconfined seccomp and AppArmor, SELinux, procMount, unsafe sysctls', () => {
    const container = (s: any) => s.containers[0].securityContext;
    const cases: [string, (spec: any) => void][] = [
      ['host ports are not allowed: remove hostPort from every container port', (s) => (s.containers[0].ports[0].hostPort = 2020)],
      [
        'seccomp is confined: set seccompProfile RuntimeDefault (or Localhost) on the pod, never Unconfined',
        (s) => (s.securityContext.seccompProfile = { type: 'Unconfined' }),
      ],
      [
        'seccomp is confined: set seccompProfile RuntimeDefault (or Localhost) on the pod, never Unconfined',
        (s) => (container(s).seccompProfile = { type: 'Unconfined' }),
      ],
      [
        'seccomp is confined: set seccompProfile RuntimeDefault (or Localhost) on the pod, never Unconfined',
        // Neither the pod nor the container names a profile.
        (s) => {
          delete s.securityContext.seccompProfile;
          delete container(s).seccompProfile;
        },
      ],
      [
        'SELinux options set no user or role, and a type of container_t, container_init_t, container_kvm_t only',
        (s) => (container(s).seLinuxOptions = { type: 'spc_t' }),
      ],
      [
        'SELinux options set no user or role, and a type of container_t, container_init_t, container_kvm_t only',
        (s) => (s.securityContext.seLinuxOptions = { type: 'unconfined_t' }),
      ],
      [
        'SELinux options set no user or role, and a type of container_t, container_init_t, container_kvm_t only',
        (s) => (container(s).seLinuxOptions = { user: 'system_u' }),
      ],
      ['procMount is Default: remove procMount: Unmasked', (s) => (container(s).procMount = 'Unmasked')],
      [
        'only the safe sysctls are allowed: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports',
        (s) => (s.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]),
      ],
    ];
    for (const [message, change] of cases) {
      const spec = collectorPod();
      change(spec);
      expect(refusals(spec)).toEqual([message]);
    }
    // What baseline allows stays admitted.
    const allowed = collectorPod();
    allowed.securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c1,c2' };
    allowed.securityContext.sysctls = [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }];
    allowed.containers[0].securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'fluent-bit.json' };
    allowed.containers[0].securityContext.procMount = 'Default';
    expect(refusals(allowed)).toEqual([]);
    // AppArmor on Kubernetes 1.28 is an annotation of the pod.
    const apparmor = (value: string) => ({ 'container.apparmor.security.beta.kubernetes.io/fluent-bit': value });
    expect(refusals(collectorPod(), apparmor('unconfined'))).toEqual([
      'AppArmor is confined: container.apparmor.security.beta.kubernetes.io/<container> is runtime/default or localhost/<profile>, never unconfined',
    ]);
    expect(refusals(collectorPod(), apparmor('runtime/default'))).toEqual([]);
    expect(refusals(collectorPod(), apparmor('localhost/fluent-bit'))).toEqual([]);
    expect(refusals(collectorPod(), { 'kubectl.kubernetes.io/default-container': 'fluent-bit' })).toEqual([]);
  });
});

describe('infra/logging: index lifecycle and Kibana', () => {
  const script = (env: string) =>
    findObject(bundle(env), 'CronJob', 'log-index-setup').spec.jobTemplate.spec.template.spec.containers[0].command[2] as string;
  /** The JSON body the script sends to `path`. */
  const body = (env: string, path: string) => {
    const line = script(env)
      .split('\n')
      .find((l) => l.endsWith(` ${path}`))!;
    return JSON.parse(/^echo '(.*)' \| call /.exec(line)![1]!);
  };

  it('deletes logs after the retention of each environment', () => {
    for (const env of ENVS) {
      const policy = body(env, '/_ilm/policy/b2connect-logs').policy;
      expect(policy.phases.delete).toEqual({ min_age: `${envFile(env).logging.retentionDays}d`, actions: { delete: {} } });
    }
    expect(new Set(ENVS.map((env) => envFile(env).logging.retentionDays)).size).toBe(3);
  });

  it('puts the daily log and trace indices under the policy, without replicas on a one-member cluster', () => {
    expect(body('prod', '/_index_template/b2connect-logs')).toMatchObject({
      index_patterns: ['b2connect-logs-*'],
      template: { settings: { 'index.lifecycle.name': 'b2connect-logs', 'index.number_of_replicas': 1 } },
    });
    expect(body('prod', '/_index_template/b2connect-traces').index_patterns).toEqual(['b2connect-traces-*']);
    expect(body('dev', '/_index_template/b2connect-logs').template.settings['index.number_of_replicas']).toBe(0);
    expect(fluentBitConfig('prod').pipeline.outputs[0].logstash_prefix).toBe('b2connect-logs');
  });

  it('runs the mesh proxy of the setup Job as a native sidecar, so that the Job completes', () => {
    const pod = (env: string) => findObject(bundle(env), 'CronJob', 'log-index-setup').spec.jobTemplate.spec.template.metadata;
    expect(pod('prod').annotations).toEqual({ 'sidecar.istio.io/nativeSidecar': 'true' });
    expect(pod('staging').annotations).toEqual({ 'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'true' });
    expect(pod('dev').annotations).toBeUndefined();
  });

  it('creates the log writer with create-only rights on the log and trace indices', () => {
    const role = body('prod', '/_security/role/b2connect-log-writer');
    expect(role.indices).toEqual([
      { names: ['b2connect-logs-*', 'b2connect-traces-*'], privileges: ['create_doc', 'create_index', 'auto_configure'] },
    ]);
    expect(script('prod')).not.toMatch(/"password":"[^%]/);
  });

  it('runs two Kibanas with one encryption key where the environment runs more than one replica, one in dev', () => {
    const kibana = (env: string) => findObject(bundle(env), 'Deployment', 'kibana');
    expect(kibana('prod').spec.replicas).toBe(2);
    expect(findObject(bundle('prod'), 'PodDisruptionBudget', 'kibana').spec.selector.matchLabels).toEqual(
      kibana('prod').spec.selector.matchLabels,
    );
    expect(kibana('dev').spec.replicas).toBe(1);
    expect(bundle('dev').some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    const env = kibana('prod').spec.template.spec.containers[0].env;
    for (const name of ['XPACK_SECURITY_ENCRYPTIONKEY', 'XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY'])
      expect(env).toContainEqual({ name, valueFrom: { secretKeyRef: { name: 'kibana-credentials', key: 'encryption-key' } } });
  });

  it('runs the setup and Kibana restricted in the observability namespace, Kibana on the Elasticsearch version', () => {
    const es = findObject(bundle('prod'), 'NetworkPolicy', 'kibana');
    expect(es.spec.ingress).toEqual([]);
    const kibana = findObject(bundle('prod'), 'Deployment', 'kibana');
    expect(kibana.metadata.namespace).toBe('observability');
    const esTag = readFileSync(join(__dirname, '..', '..', 'services', 'elasticsearch', 'deploy.ts'), 'utf8').match(
      /ES_VERSION = '([^']+)'/,
    )![1];
    expect(kibana.spec.template.spec.containers[0].image).toBe(`registry.b2connect.com/elastic/kibana:${esTag}`);
    for (const pod of [
      kibana.spec.template.spec,
      findObject(bundle('prod'), 'CronJob', 'log-index-setup').spec.jobTemplate.spec.template.spec,
    ]) {
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.volumes?.some((v: { hostPath?: unknown }) => v.hostPath) ?? false).toBe(false);
      expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
  });
});

describe('infra/logging: tracing', () => {
  it('samples at the rate of each environment: 100 % in dev, less in staging, least in prod', () => {
    const rate = (env: string) => envFile(env).tracing.samplingPercent;
    expect(rate('dev')).toBe(100);
    expect(rate('staging')).toBeLessThan(rate('dev'));
    expect(rate('prod')).toBeLessThan(rate('staging'));
    // Without Istio the collector samples.
    for (const env of ['dev', 'staging']) {
      expect(envFile(env).capabilities.serviceMesh).not.toBe('istio');
      expect(collectorConfig(env).processors.probabilistic_sampler).toEqual({ sampling_percentage: rate(env) });
      expect(collectorConfig(env).service.pipelines.traces.processors).toContain('probabilistic_sampler');
      expect(bundle(env).some((o) => o.kind === 'Telemetry')).toBe(false);
    }
    // Under Istio (prod) the sidecars sample, through the OpenTelemetry provider; the collector keeps every span it gets.
    expect(envFile('prod').capabilities.serviceMesh).toBe('istio');
    const telemetry = findObject(bundle('prod'), 'Telemetry', 'tracing');
    expect(telemetry.apiVersion).toBe('telemetry.istio.io/v1');
    expect(telemetry.metadata.namespace).toBe('b2connect');
    expect(telemetry.spec.tracing).toEqual([{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: rate('prod') }]);
    expect(collectorConfig('prod').processors.probabilistic_sampler).toBeUndefined();
  });

  it('lets the platform namespace reach the collector on OTLP, and the collector reach Elasticsearch', () => {
    const allow = findObject(bundle('prod'), 'NetworkPolicy', 'allow-tracing');
    expect(allow.metadata.namespace).toBe('b2connect');
    expect(allow.spec.egress[0].ports).toEqual([
      { protocol: 'TCP', port: 4317 },
      { protocol: 'TCP', port: 4318 },
    ]);
    const collector = findObject(bundle('prod'), 'NetworkPolicy', 'otel-collector');
    expect(collector.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b2connect' } } }],
        ports: [
          { protocol: 'TCP', port: 4317 },
          { protocol: 'TCP', port: 4318 },
        ],
      },
    ]);
    expect(collectorConfig('prod').exporters.elasticsearch).toMatchObject({ endpoints: ['http://elasticsearch.b2connect.svc:9200'] });
  });
});

describe('infra/logging: the platform or an external Elasticsearch', () => {
  const root = join(__dirname, '..', '..');
  const external = parseEnvironment(
    {
      ...envFile('prod'),
      logging: {
        ...envFile('prod').logging,
        elasticsearch: { type: 'external', url: 'https://logs.example.com:9243', cidr: '203.0.113.0/28', version: '8.17.0' },
      },
    },
    'environments/prod.yaml',
  );
  /** The package built for `env` against the real workspace. */
  const build = async (env: Environment) => {
    const workspace = await loadWorkspace(root, importLoader);
    const labels = { 'app.kubernetes.io/name': 'logging' };
    return synth((scope) =>
      definition.spec.build(scope, { env, name: 'logging', team: 'platform', version: '1.0.0', labels, workspace, bundle: new Map() }),
    );
  };

  it('ships to an external cluster by its URL, reaches only its address range, and creates no user there', async () => {
    const objects = await build(external);
    const config = parse(findObject(objects, 'ConfigMap', 'fluent-bit-config').data['fluent-bit.yaml']);
    expect(config.pipeline.outputs[0]).toMatchObject({ host: 'logs.example.com', port: 9243, tls: 'on', 'tls.verify': 'on' });
    for (const name of ['fluent-bit', 'kibana', 'otel-collector', 'log-index-setup']) {
      expect(findObject(objects, 'NetworkPolicy', name).spec.egress[0]).toEqual({
        to: [{ ipBlock: { cidr: '203.0.113.0/28' } }],
        ports: [{ protocol: 'TCP', port: 9243 }],
      });
    }
    expect(findObject(objects, 'Deployment', 'kibana').spec.template.spec.containers[0].image).toMatch(/kibana:8\.17\.0$/);
    // No user is created on a cluster the platform does not own, and no superuser password is read.
    const setup = findObject(objects, 'CronJob', 'log-index-setup').spec.jobTemplate.spec.template.spec.containers[0];
    expect(setup.command[2]).not.toContain('_security');
    expect(setup.env).toContainEqual({ name: 'ES_URL', value: 'https://logs.example.com:9243' });
    expect(objects.some((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'log-index-setup-admin')).toBe(false);
  });

  it('signs the setup in with a setup user of its own on an external cluster, never the writer', async () => {
    const objects = await build(external);
    const setup = findObject(objects, 'ExternalSecret', 'log-index-setup-credentials');
    expect(setup.spec.data).toEqual([
      { secretKey: 'username', remoteRef: { key: 'b2connect/logging', property: 'setup-username' } },
      { secretKey: 'password', remoteRef: { key: 'b2connect/logging', property: 'setup-password' } },
    ]);
    const writer = findObject(objects, 'ExternalSecret', 'fluent-bit-credentials');
    const properties = (o: KubeObject) =>
      ((o.spec as { data: { remoteRef: { property: string } }[] }).data ?? []).map((d) => d.remoteRef.property);
    expect(properties(writer)).toEqual(['username', 'password']);
    expect(properties(setup).some((p) => properties(writer).includes(p))).toBe(false);
    const env = findObject(objects, 'CronJob', 'log-index-setup').spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: 'AUTH_USER',
      valueFrom: { secretKeyRef: { name: 'log-index-setup-credentials', key: 'username' } },
    });
  });

  it('names the environment file and field when the platform Elasticsearch is asked for but the workspace has none', async () => {
    const workspace = await loadWorkspace(root, importLoader);
    const without = { ...workspace, packages: new Map([...workspace.packages].filter(([name]) => name !== 'elasticsearch')) };
    const env = parseEnvironment(envFile('staging'), 'environments/staging.yaml');
    const attempt = () =>
      synth((scope) =>
        definition.spec.build(scope, {
          env,
          name: 'logging',
          team: 'platform',
          version: '1.0.0',
          labels: {},
          workspace: without,
          bundle: new Map(),
        }),
      );
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /^environments\/staging\.yaml: logging\.elasticsearch\.type: is "platform", but the workspace has no store package "elasticsearch"/,
    );
  });

  it('has the platform store admit the collector and observability namespaces on its client port, and nobody with an external one', async () => {
    const { bundles } = await synthesize(root, { packages: ['elasticsearch'], environments: ['prod'], load: importLoader });
    const esPolicy = findObject(bundles.get('prod')!.get('elasticsearch')!, 'NetworkPolicy', 'elasticsearch');
    for (const ns of ['log-collector', 'observability']) {
      expect(esPolicy.spec.ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }],
        ports: [{ protocol: 'TCP', port: 9200 }],
      });
    }
    expect(definition.spec.clients?.(external)).toEqual([]);
  });
});
