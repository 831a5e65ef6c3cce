import type { KubeObject } from '../../check/validate';
import { credentialIn } from '../../config/secrets';
import { ref, type Finding, type Rule } from '../types';

/**
 * No string of any object carries a credential (a token, a private key, a connection string with a
 * password, a URL with credentials; `config/secrets.ts` holds the patterns): whatever a blueprint emits,
 * ConfigMap data, env values, annotations, scripts and custom resources included. The data of a Secret is
 * no-secret-data's.
 */
export const noCredentials: Rule = {
  id: 'no-credentials',
  why: 'a bundle is committed to a GitOps repository and read by many: a credential in any field is a leaked credential',
  check(bundle) {
    const findings: Finding[] = [];
    // The same strings (labels, images, names) recur across thousands of objects: each distinct one is checked once.
    const verdicts = new Map<string, string | undefined>();
    const credentialOf = (value: string) => {
      // Long strings (a dashboard's JSON, a script) rarely repeat: checked without being kept.
      if (value.length > 1024) return credentialIn(value);
      if (!verdicts.has(value)) verdicts.set(value, credentialIn(value));
      return verdicts.get(value);
    };
    for (const o of bundle.objects) {
      forEachString(o, (value, path) => {
        const credential = credentialOf(value);
        if (!credential) return;
        findings.push({
          rule: this.id,
          object: ref(o),
          message: `${path()} holds ${credential} (value not shown)`,
          fix: "keep the value in the secret backend and read it through an ExternalSecret and a secretKeyRef (a package setting: declare it in the definition's secrets)",
        });
      });
    }
    return findings;
  },
};

/** Calls `visit` with every string of an object and a function giving its dot path, Secret data left out. */
function forEachString(o: KubeObject, visit: (value: string, path: () => string) => void): void {
  const at: (string | number)[] = [];
  const path = () => at.join('.');
  const walk = (value: unknown) => {
    if (typeof value === 'string') visit(value, path);
    else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        at.push(i);
        walk(value[i]);
        at.pop();
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        at.push(key);
        walk((value as Record<string, unknown>)[key]);
        at.pop();
      }
    }
  };
  const secret = o.kind === 'Secret' && o.apiVersion === 'v1';
  for (const key of Object.keys(o)) {
    if (secret && (key === 'data' || key === 'stringData')) continue;
    at.push(key);
    walk((o as Record<string, unknown>)[key]);
    at.pop();
  }
}
