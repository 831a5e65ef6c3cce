import { describe, expect, it } from 'vitest';
import { validateObject, type KubeObject } from './validate';

const deployment = (): any => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], resources: { limits: { memory: '128Mi' } } }],
      },
    },
  },
});

describe('validateObject', () => {
  it('accepts a valid object', () => {
    expect(validateObject(deployment())).toEqual([]);
  });

  it('flags a misspelled field with its path and the fields allowed there', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    const problems = validateObject(d);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^spec\.template\.spec\.containers\[0\]\.imagePullPolicyy: unknown field \(known here: .*imagePullPolicy,/);
  });

  it('flags unknown fields inside maps of structs and at the top level', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources.limit = { cpu: '1' };
    d.extra = true;
    const paths = validateObject(d).map((p) => p.split(':')[0]);
    expect(paths).toEqual(expect.arrayContaining(['spec.template.spec.containers[0].resources.limit', 'extra']));
  });

  it('flags wrong types, missing required fields and bad quantities', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    delete d.spec.selector;
    d.spec.template.spec.containers[0].resources.limits.memory = 'lots';
    const problems = validateObject(d).join('\n');
    expect(problems).toContain('containerPort');
    expect(problems).toContain('selector');
    expect(problems).toContain('memory');
  });

  it('refuses a type it has no schema for', () => {
    const obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } as KubeObject;
    expect(validateObject(obj)).toEqual(['example.com/v1 Widget: no schema is known for this type; add its schema before emitting it']);
  });
});
