import { describe, expect, it } from 'vitest';
import { find, findConfig, synth } from '../../test/helpers';
import { validateObject } from '../check/validate';
import { Frontend, nginxServerBlock } from './frontend';

const build = (spa?: boolean) =>
  synth(
    (scope) =>
      new Frontend(scope, 'Storefront', {
        name: 'storefront',
        team: 'web',
        image: 'registry.example.com/b2connect/storefront:2.0.0',
        replicas: 2,
        spa,
      }),
  );

describe('Frontend', () => {
  it('runs an unprivileged nginx: non-root user 101 on port 8080 with a read-only root and writable /tmp', () => {
    const spec = find(build(), 'Deployment', 'storefront').spec.template.spec;
    const c = spec.containers[0];
    expect(c.securityContext).toMatchObject({
      runAsUser: 101,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { mountPath: '/tmp', name: 'writable-tmp' },
        { mountPath: '/etc/nginx/conf.d', name: 'config-files', readOnly: true },
      ]),
    );
  });

  it('checks readiness on the content and liveness on nginx itself', () => {
    const c = find(build(), 'Deployment', 'storefront').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('serves its nginx server block from a ConfigMap that listens on the probed port and answers /healthz', () => {
    const conf = findConfig(build(), 'ConfigMap', 'storefront-files').data['default.conf'];
    expect(conf).toContain('listen 8080;');
    expect(conf).toMatch(/location = \/healthz \{[^}]*return 200/);
    expect(conf).toContain('try_files $uri $uri/ /index.html;');
  });

  it('returns 404 for unknown paths when it is not a single-page application', () => {
    expect(nginxServerBlock(false)).toContain('try_files $uri $uri/ =404;');
    expect(nginxServerBlock(false)).not.toContain('/index.html');
  });

  it('labels itself as a frontend and passes validation', () => {
    const objects = build();
    expect(find(objects, 'Deployment', 'storefront').metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'frontend' });

    for (const o of objects) expect(validateObject(o)).toEqual([]);
  });
});
