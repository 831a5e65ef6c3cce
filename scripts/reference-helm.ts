// Reference figure for the benchmark (not a test): `helm template` of an umbrella chart with one
// subchart per service (8 objects each: the objects of scripts/reference-cdk8s.ts), once per
// environment, as the delivery issue measured it. Uses the helm that `npm test` installs in .tools/bin.
//
// Usage: node -r @b2connect/k8s-lib/register scripts/reference-helm.ts <work-dir> [services]
// Prints {"objects": n, "ms": wall time of the three `helm template` runs, "maxRssMb": the largest run's
// peak memory (when GNU time is installed)}; the chart is written first, outside the timing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const workDir = process.argv[2];
const services = Number(process.argv[3] ?? 200);
if (!workDir) throw new Error('usage: reference-helm.ts <work-dir> [services]');
const HELM = join(__dirname, '..', '.tools', 'bin', 'helm');
if (!existsSync(HELM)) throw new Error(`${HELM} is missing: run scripts/install-kube-tools.sh (npm test does)`);

/** Per environment, as in scripts/reference-cdk8s.ts (requests are a quarter of the CPU, half the memory). */
const ENVIRONMENTS = {
  dev: { minReplicas: 1, maxReplicas: 2, cpu: '250m', cpuRequest: '62m', memory: '128Mi', memoryRequest: '64Mi', log: 'Debug' },
  staging: { minReplicas: 2, maxReplicas: 4, cpu: '500m', cpuRequest: '125m', memory: '256Mi', memoryRequest: '128Mi', log: 'Information' },
  prod: { minReplicas: 3, maxReplicas: 6, cpu: '1000m', cpuRequest: '250m', memory: '256Mi', memoryRequest: '128Mi', log: 'Information' },
};

/** The templates of one service's subchart: the same 8 objects as the cdk8s reference. */
const TEMPLATES: Record<string, string> = {
  'serviceaccount.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Chart.Name }}
  labels: {{- include "labels" . | nindent 4 }}
automountServiceAccountToken: false
`,
  'configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Chart.Name }}-config
  labels: {{- include "labels" . | nindent 4 }}
data:
  ASPNETCORE_ENVIRONMENT: {{ .Values.global.environment | quote }}
  Logging__LogLevel__Default: {{ .Values.global.log | quote }}
`,
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Chart.Name }}
  labels: {{- include "labels" . | nindent 4 }}
spec:
  selector:
    matchLabels: {{- include "selector" . | nindent 6 }}
  template:
    metadata:
      labels: {{- include "selector" . | nindent 8 }}
    spec:
      serviceAccountName: {{ .Chart.Name }}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
      containers:
        - name: {{ .Chart.Name }}
          image: "registry.b2connect.com/b2connect/{{ .Chart.Name }}:{{ .Chart.AppVersion }}"
          ports:
            - containerPort: 8080
          envFrom:
            - configMapRef:
                name: {{ .Chart.Name }}-config
          resources:
            requests:
              cpu: {{ .Values.global.cpuRequest }}
              memory: {{ .Values.global.memoryRequest }}
            limits:
              cpu: {{ .Values.global.cpu }}
              memory: {{ .Values.global.memory }}
          readinessProbe:
            httpGet: { path: /health/ready, port: 8080 }
            periodSeconds: 10
          livenessProbe:
            httpGet: { path: /health/live, port: 8080 }
            periodSeconds: 20
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
`,
  'service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Chart.Name }}
  labels: {{- include "labels" . | nindent 4 }}
spec:
  selector: {{- include "selector" . | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: 8080
`,
  'hpa.yaml': `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .Chart.Name }}
  labels: {{- include "labels" . | nindent 4 }}
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: {{ .Chart.Name }} }
  minReplicas: {{ .Values.global.minReplicas }}
  maxReplicas: {{ .Values.global.maxReplicas }}
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
`,
  'pdb.yaml': `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .Chart.Name }}
  labels: {{- include "labels" . | nindent 4 }}
spec:
  minAvailable: 1
  selector:
    matchLabels: {{- include "selector" . | nindent 6 }}
`,
  'networkpolicy.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .Chart.Name }}
  labels: {{- include "labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels: {{- include "selector" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - from: [{ podSelector: {} }]
      ports: [{ protocol: TCP, port: 8080 }]
`,
  'ingress.yaml': `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ .Chart.Name }}
  labels: {{- include "labels" . | nindent 4 }}
spec:
  rules:
    - host: {{ .Chart.Name }}.{{ .Values.global.environment }}.b2connect.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: {{ .Chart.Name }}, port: { number: 80 } } }
`,
  '_helpers.tpl': `{{- define "selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
{{- end }}
{{- define "labels" -}}
{{ include "selector" . }}
app.kubernetes.io/part-of: b2connect
{{- end }}
`,
};

function writeChart(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: b2connect\nversion: 1.0.0\n');
  for (const [env, values] of Object.entries(ENVIRONMENTS)) {
    writeFileSync(join(dir, `values-${env}.yaml`), `${JSON.stringify({ global: { environment: env, ...values } }, null, 2)}\n`);
  }
  for (let i = 1; i <= services; i++) {
    const name = `gen-${String(i).padStart(3, '0')}`;
    const sub = join(dir, 'charts', name);
    mkdirSync(join(sub, 'templates'), { recursive: true });
    writeFileSync(join(sub, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 1.0.0\nappVersion: 1.0.0\n`);
    for (const [file, text] of Object.entries(TEMPLATES)) writeFileSync(join(sub, 'templates', file), text);
  }
}

const chart = join(workDir, 'chart');
if (!existsSync(join(chart, 'charts', `gen-${String(services).padStart(3, '0')}`))) writeChart(chart);
/** GNU time, when installed, reports each helm run's peak memory (the benchmark compares it with ours). */
const TIME = '/usr/bin/time';
const rssFile = join(workDir, 'helm-max-rss-kb');
let maxRssKb = 0;
const started = performance.now();
for (const env of Object.keys(ENVIRONMENTS)) {
  const args = ['template', 'b2connect', chart, '-f', join(chart, `values-${env}.yaml`), '--output-dir', join(workDir, 'out', env)];
  const measured = existsSync(TIME);
  execFileSync(measured ? TIME : HELM, measured ? ['-f', '%M', '-o', rssFile, HELM, ...args] : args, {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (measured) maxRssKb = Math.max(maxRssKb, Number(readFileSync(rssFile, 'utf8').trim()));
}
const ms = Math.round(performance.now() - started);
let objects = 0;
for (const env of Object.keys(ENVIRONMENTS)) {
  for (let i = 1; i <= services; i++) {
    const dir = join(workDir, 'out', env, 'b2connect', 'charts', `gen-${String(i).padStart(3, '0')}`, 'templates');
    for (const file of readdirSync(dir)) objects += readFileSync(join(dir, file), 'utf8').split(/^kind: /m).length - 1;
  }
}
console.log(JSON.stringify({ objects, ms, ...(maxRssKb ? { maxRssMb: Math.round(maxRssKb / 1024) } : {}) }));
