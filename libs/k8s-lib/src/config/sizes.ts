import type { Size } from './definition';
import type { SizeProfile } from './environment';

/** Requests and limits of one container, as Kubernetes quantities. */
export interface ResourceSpec {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

const r = (cpuReq: string, memReq: string, cpuLim: string, memLim: string): ResourceSpec => ({
  requests: { cpu: cpuReq, memory: memReq },
  limits: { cpu: cpuLim, memory: memLim },
});

/**
 * Size class x environment profile -> resources. `constrained` keeps dev small; `production`
 * sets memory limit = request so a pod is never OOM-killed for using what it was promised.
 */
export const RESOURCE_TABLE: Readonly<Record<SizeProfile, Readonly<Record<Size, ResourceSpec>>>> = {
  constrained: {
    small: r('25m', '64Mi', '250m', '128Mi'),
    medium: r('50m', '128Mi', '500m', '256Mi'),
    large: r('100m', '256Mi', '1', '512Mi'),
  },
  standard: {
    small: r('100m', '128Mi', '500m', '256Mi'),
    medium: r('250m', '256Mi', '1', '512Mi'),
    large: r('500m', '512Mi', '2', '1Gi'),
  },
  production: {
    small: r('250m', '256Mi', '1', '256Mi'),
    medium: r('500m', '512Mi', '2', '512Mi'),
    large: r('1', '1Gi', '4', '1Gi'),
  },
};

export function resourcesFor(profile: SizeProfile, size: Size): ResourceSpec {
  return RESOURCE_TABLE[profile][size];
}

/** A CPU quantity (`250m`, `1`) in millicores. */
export function millicores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

/** A memory quantity (`512Mi`, `1Gi`) in mebibytes; the size tables use no other units. */
export function mebibytes(quantity: string): number {
  if (quantity.endsWith('Gi')) return Number(quantity.slice(0, -2)) * 1024;
  if (quantity.endsWith('Mi')) return Number(quantity.slice(0, -2));
  throw new Error(`memory quantity "${quantity}" must be in Mi or Gi`);
}
