import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * Where Prometheus scrapes a package: through its Service (a ServiceMonitor) or, where no Service
 * carries the metrics port (an exporter sidecar, an operator's pods), its pods directly (a PodMonitor).
 */
export class ScrapeTarget {
  /** The Service with these labels, on its port of this name. */
  static service(props: { selector: Readonly<Record<string, string>>; port: string; path?: string }): ScrapeTarget {
    return new ScrapeTarget('service', props.selector, props.port, props.path ?? '/metrics');
  }

  /** The pods with these labels, on their container port of this name. */
  static pods(props: { selector: Readonly<Record<string, string>>; port: string; path?: string }): ScrapeTarget {
    return new ScrapeTarget('pods', props.selector, props.port, props.path ?? '/metrics');
  }

  private constructor(
    public readonly via: 'service' | 'pods',
    public readonly selector: Readonly<Record<string, string>>,
    public readonly port: string,
    public readonly path: string,
  ) {}
}

export interface MetricsMonitorProps {
  /** Name of the monitor: the package's. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly target: ScrapeTarget;
  /** @default '30s' */
  readonly interval?: string;
}

/**
 * A prometheus-operator ServiceMonitor or PodMonitor (monitoring.coreos.com/v1) for one package:
 * selects by the stable selector labels (never the version) and the port by its name, in the
 * package's own namespace. The policy gate checks that what it selects exists.
 */
export class MetricsMonitor extends Construct {
  public readonly kind: 'ServiceMonitor' | 'PodMonitor';
  public readonly object: ApiObject;

  constructor(scope: Construct, id: string, props: MetricsMonitorProps) {
    super(scope, id);
    const t = props.target;
    const interval = props.interval ?? '30s';
    this.kind = t.via === 'service' ? 'ServiceMonitor' : 'PodMonitor';
    const endpoint = { port: t.port, path: t.path, interval, scheme: 'http' };
    this.object = new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: this.kind,
      metadata: { name: props.name, labels: { ...props.labels } },
      spec:
        t.via === 'service'
          ? { selector: { matchLabels: { ...t.selector } }, endpoints: [endpoint] }
          : { selector: { matchLabels: { ...t.selector } }, podMetricsEndpoints: [endpoint] },
    });
  }
}
