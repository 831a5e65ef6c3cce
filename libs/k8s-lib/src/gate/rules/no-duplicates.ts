import { ref, type Finding, type Rule } from '../types';

/** No two objects share API group, kind, namespace and name. */
export const noDuplicates: Rule = {
  id: 'no-duplicates',
  why: 'two objects with one identity overwrite each other on apply: which one wins depends on the order',
  check(bundle) {
    const seen = new Set<string>();
    const findings: Finding[] = [];
    for (const o of bundle.objects) {
      const key = `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (seen.has(key))
        findings.push({ rule: this.id, object: ref(o), message: 'is defined twice', fix: 'rename one of them, or remove the copy' });
      seen.add(key);
    }
    return findings;
  },
};
