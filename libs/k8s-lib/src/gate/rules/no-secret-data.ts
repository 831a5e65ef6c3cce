import { ref, type Finding, type Rule } from '../types';

/** No Secret in a bundle carries data: credentials come from the secret backend through ExternalSecrets. */
export const noSecretData: Rule = {
  id: 'no-secret-data',
  why: 'a bundle is committed to a GitOps repository and read by many: a value in it is a leaked value',
  check(bundle) {
    const findings: Finding[] = [];
    for (const s of bundle.ofKind('Secret')) {
      const keys = [...Object.keys((s.data as object | undefined) ?? {}), ...Object.keys((s.stringData as object | undefined) ?? {})];
      if (keys.length > 0) {
        findings.push({
          rule: this.id,
          object: ref(s),
          message: `carries data (${keys.length} key${keys.length > 1 ? 's' : ''}; values not shown)`,
          fix: 'store the values in the secret backend and emit an ExternalSecret',
        });
      }
    }
    return findings;
  },
};
