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
    for (const o of bundle.objects) {
      for (const [path, value] of strings(o)) {
        const credential = credentialIn(value);
        if (!credential) continue;
        findings.push({
          rule: this.id,
          object: ref(o),
          message: `${path} holds ${credential} (value not shown)`,
          fix: "keep the value in the secret backend and read it through an ExternalSecret and a secretKeyRef (a package setting: declare it in the definition's secrets)",
        });
      }
    }
    return findings;
  },
};

/** Every string of an object with its dot path, Secret data left out. */
function strings(o: KubeObject): [string, string][] {
  const out: [string, string][] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') out.push([path, value]);
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}.${i}`));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key);
    }
  };
  for (const [key, value] of Object.entries(o)) {
    if (o.kind === 'Secret' && o.apiVersion === 'v1' && (key === 'data' || key === 'stringData')) continue;
    walk(value, key);
  }
  return out;
}
