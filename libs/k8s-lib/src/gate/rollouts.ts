import type { KubeObject } from '../check/validate';
import type { GateBundle } from './types';

// What the rules read of an Argo Rollouts `Rollout` (argoproj.io/v1alpha1): its canary strategy.

export interface IstioRouting {
  readonly virtualService?: { readonly name: string; readonly routes?: readonly string[] };
  readonly virtualServices?: readonly { readonly name: string; readonly routes?: readonly string[] }[];
  readonly destinationRule?: { readonly name: string; readonly canarySubsetName: string; readonly stableSubsetName: string };
}

export interface CanaryStrategy {
  readonly stableService?: string;
  readonly canaryService?: string;
  readonly trafficRouting?: { readonly istio?: IstioRouting; readonly nginx?: { readonly stableIngress?: string } };
  readonly steps?: readonly { readonly analysis?: AnalysisRef }[];
  readonly analysis?: AnalysisRef;
}

export interface AnalysisRef {
  readonly templates?: readonly { readonly templateName: string; readonly clusterScope?: boolean }[];
  readonly args?: readonly { readonly name: string }[];
}

/** Every Rollout of the bundle with its canary strategy (Rollouts without one are left out). */
export function canaryRollouts(bundle: GateBundle): { rollout: KubeObject; canary: CanaryStrategy; podLabels: Record<string, string> }[] {
  return bundle
    .ofKind('Rollout')
    .filter((o) => o.apiVersion.startsWith('argoproj.io/'))
    .flatMap((rollout) => {
      const spec = rollout.spec as
        { strategy?: { canary?: CanaryStrategy }; template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
      const canary = spec?.strategy?.canary;
      return canary ? [{ rollout, canary, podLabels: spec?.template?.metadata?.labels ?? {} }] : [];
    });
}

/** The short name of a Service host (`catalog` of `catalog.b2connect.svc.cluster.local`). */
export function serviceOfHost(host: string): string {
  return host.split('.')[0]!;
}
