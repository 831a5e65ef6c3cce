import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { PrometheusRuleGroup } from './rules';

export interface PackageRulesProps {
  /** Name of the PrometheusRule: the package's. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly PrometheusRuleGroup[];
}

/** The package's PrometheusRule (monitoring.coreos.com/v1): its recording rules and alerts, groups without rules left out. */
export class PackageRules extends Construct {
  public readonly object: ApiObject;

  constructor(scope: Construct, id: string, props: PackageRulesProps) {
    super(scope, id);
    this.object = new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        groups: props.groups
          .filter((g) => g.rules.length > 0)
          .map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ ...r, labels: r.labels ? { ...r.labels } : undefined })) })),
      },
    });
  }
}
