import { describe, expect, it } from 'vitest';
import { findConfig, findObject } from './query';
import type { KubeObject } from '../kube-object';

const cm = (name: string, namespace: string, config?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(config ? { annotations: { 'b2connect.io/config-name': config } } : {}) },
});
const objects = [cm('web-config-0123456789', 'blue', 'web-config'), cm('web-config-0123456789', 'green', 'web-config')];

describe('findObject and findConfig', () => {
  it('find exactly one object, by name or by the config name without its hash, in a namespace when given', () => {
    expect(findObject(objects, 'ConfigMap', 'web-config-0123456789', 'green').metadata.namespace).toBe('green');
    expect(findConfig(objects, 'ConfigMap', 'web-config', 'blue').metadata.namespace).toBe('blue');
  });

  it('say how many they found, and among what', () => {
    expect(() => findObject(objects, 'ConfigMap', 'web-config-0123456789')).toThrow(
      'expected one ConfigMap/web-config-0123456789, found 2 among: ConfigMap/web-config-0123456789 (blue), ConfigMap/web-config-0123456789 (green)',
    );
    expect(() => findObject(objects, 'ConfigMap', 'other', 'blue')).toThrow(/^expected one ConfigMap\/other in blue, found 0 among: /);
    expect(() => findConfig(objects, 'ConfigMap', 'other')).toThrow(
      'expected one ConfigMap named other-<hash>, found 0 among: ConfigMap/web-config-0123456789, ConfigMap/web-config-0123456789',
    );
  });
});
