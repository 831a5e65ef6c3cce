import { unpinnedImage } from '../../rules';
import { ref, type Finding, type Rule } from '../types';

/** Every image is pinned by tag or digest, never `latest` or untagged. */
export const pinnedImages: Rule = {
  id: 'pinned-images',
  why: 'an unpinned image changes under a running deployment: two pods of one version run different code, and rollbacks roll nothing back',
  check(bundle) {
    const findings: Finding[] = [];
    const check = (owner: string, where: string, image: string | undefined) => {
      const unpinned = image ? unpinnedImage(image) : undefined;
      if (unpinned) {
        findings.push({
          rule: this.id,
          object: owner,
          message: `${where} image "${image}" is ${unpinned}`,
          fix: 'pin a version tag or a digest',
        });
      }
    };
    for (const pod of bundle.pods) {
      for (const c of [...(pod.podSpec?.initContainers ?? []), ...(pod.podSpec?.containers ?? [])])
        check(pod.owner, `container "${c.name}"`, c.image);
    }
    for (const o of bundle.ofKind('Cluster')) check(ref(o), 'cluster', (o.spec as { imageName?: string }).imageName);
    for (const o of bundle.ofKind('RabbitmqCluster')) check(ref(o), 'cluster', (o.spec as { image?: string }).image);
    return findings;
  },
};
