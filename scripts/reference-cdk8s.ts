// Reference figure for the benchmark (not a test): the plain cdk8s-plus-28 way of building what the
// main job builds, as the delivery issue measured it. One node process, one cdk8s App per environment
// with one Chart per service, 8 objects per service, `app.synth()` writing YAML files. No validation,
// no policy gate, no provenance: the lower bound an equivalent build is compared with.
//
// Usage: node -r @b2connect/k8s-lib/register scripts/reference-cdk8s.ts <out-dir> [services]
// Prints {"objects": n, "ms": wall time including loading cdk8s}.
const started = performance.now();
/* eslint-disable @typescript-eslint/no-require-imports -- timed: loading cdk8s is part of the figure */
const { ApiObject, App, Chart, Duration, Size } = require('cdk8s') as typeof import('cdk8s');
const kplus = require('cdk8s-plus-28') as typeof import('cdk8s-plus-28');
const { KubePodDisruptionBudget, IntOrString } = require('cdk8s-plus-28/lib/imports/k8s') as typeof import('cdk8s-plus-28/lib/imports/k8s');
/* eslint-enable @typescript-eslint/no-require-imports */
import { join } from 'node:path';

const outDir = process.argv[2];
const services = Number(process.argv[3] ?? 200);
if (!outDir) throw new Error('usage: reference-cdk8s.ts <out-dir> [services]');

/** Per environment: what differs between dev, staging and prod (the HPA owns the replica count). */
const ENVIRONMENTS = {
  dev: { replicas: 1, max: 2, cpu: 250, memory: 128, log: 'Debug' },
  staging: { replicas: 2, max: 4, cpu: 500, memory: 256, log: 'Information' },
  prod: { replicas: 3, max: 6, cpu: 1000, memory: 256, log: 'Information' },
} as const;

/** One service: ServiceAccount, ConfigMap, Deployment, Service, HPA, PDB, NetworkPolicy, Ingress. */
function service(app: InstanceType<typeof App>, name: string, env: (typeof ENVIRONMENTS)[keyof typeof ENVIRONMENTS], envName: string) {
  const chart = new Chart(app, name, {
    namespace: 'b2connect',
    disableResourceNameHashes: true,
    labels: { 'app.kubernetes.io/part-of': 'b2connect' },
  });
  const account = new kplus.ServiceAccount(chart, 'account', { metadata: { name }, automountToken: false });
  const config = new kplus.ConfigMap(chart, 'config', {
    metadata: { name: `${name}-config` },
    data: { ASPNETCORE_ENVIRONMENT: envName, Logging__LogLevel__Default: env.log },
  });
  const deployment = new kplus.Deployment(chart, 'deployment', {
    metadata: { name },
    serviceAccount: account,
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true, user: 10001, group: 10001 },
    containers: [
      {
        name,
        image: `registry.b2connect.com/b2connect/${name}:1.0.0`,
        portNumber: 8080,
        envFrom: [kplus.Env.fromConfigMap(config)],
        resources: {
          cpu: { request: kplus.Cpu.millis(env.cpu / 4), limit: kplus.Cpu.millis(env.cpu) },
          memory: { request: Size.mebibytes(env.memory / 2), limit: Size.mebibytes(env.memory) },
        },
        readiness: kplus.Probe.fromHttpGet('/health/ready', { port: 8080, periodSeconds: Duration.seconds(10) }),
        liveness: kplus.Probe.fromHttpGet('/health/live', { port: 8080, periodSeconds: Duration.seconds(20) }),
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, ensureNonRoot: true },
      },
    ],
  });
  const svc = deployment.exposeViaService({ name, ports: [{ port: 80, targetPort: 8080, name: 'http' }] });
  new kplus.HorizontalPodAutoscaler(chart, 'hpa', {
    metadata: { name },
    target: deployment,
    minReplicas: env.replicas,
    maxReplicas: env.max,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
  });
  new KubePodDisruptionBudget(chart, 'pdb', {
    metadata: { name },
    spec: { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: deployment.matchLabels } },
  });
  const policy = new kplus.NetworkPolicy(chart, 'policy', { metadata: { name }, selector: deployment });
  policy.addIngressRule(kplus.Pods.all(chart, 'callers'), [kplus.NetworkPolicyPort.tcp(8080)]);
  new kplus.Ingress(chart, 'ingress', {
    metadata: { name },
    rules: [{ host: `${name}.${envName}.b2connect.com`, path: '/', backend: kplus.IngressBackend.fromService(svc) }],
  });
}

let objects = 0;
for (const [envName, env] of Object.entries(ENVIRONMENTS)) {
  const app = new App({ outdir: join(outDir, envName) });
  for (let i = 1; i <= services; i++) service(app, `gen-${String(i).padStart(3, '0')}`, env, envName);
  app.synth();
  objects += app.node.findAll().filter((c) => c instanceof ApiObject).length;
}
console.log(JSON.stringify({ objects, ms: Math.round(performance.now() - started) }));
