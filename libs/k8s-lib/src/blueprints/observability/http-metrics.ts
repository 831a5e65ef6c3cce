/**
 * Where a package's HTTP request metrics come from: a duration histogram, the label matchers that
 * select the package's requests, the label of the status code and of the route. SLIs and dashboards
 * read requests through it, whichever exporter writes them.
 */
export class HttpMetrics {
  /**
   * The service's own OpenTelemetry `http.server.request.duration` histogram (ASP.NET Core's
   * OpenTelemetry Prometheus exporter), scraped by the package's ServiceMonitor: the job is the
   * Service's name.
   */
  static openTelemetry(job: string, namespace: string): HttpMetrics {
    return new HttpMetrics(
      'http_server_request_duration_seconds',
      `job="${job}", namespace="${namespace}"`,
      'http_response_status_code',
      'http_route',
      [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      `the HTTP server metrics of ${job}`,
    );
  }

  /**
   * The ingress-nginx controller's request histogram for a Service behind the platform's Ingress
   * (the controller's own metrics: the Ingress's namespace is `exported_namespace` once Prometheus
   * labels the controller's target with its namespace).
   */
  static ingressNginx(service: string, namespace: string): HttpMetrics {
    return new HttpMetrics(
      'nginx_ingress_controller_request_duration_seconds',
      `exported_namespace="${namespace}", service="${service}"`,
      'status',
      'path',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      `the ingress controller's metrics of ${service}`,
    );
  }

  private constructor(
    /** Base name of the histogram (`_count`, `_bucket`). */
    public readonly histogram: string,
    /** Label matchers of the package's requests. */
    public readonly selector: string,
    /** Label holding the HTTP status code. */
    public readonly status: string,
    /** Label holding the route, for the traffic panels. */
    public readonly route: string,
    /** The histogram's bucket boundaries, in seconds: a latency threshold is one of them. */
    public readonly buckets: readonly number[],
    /** Where they come from, in words. */
    public readonly source: string,
  ) {}

  /** The package's requests: the histogram's `_count`, `extra` matchers added. */
  count(extra = ''): string {
    return `${this.histogram}_count{${this.selector}${extra}}`;
  }

  /** Requests answered within a bucket boundary: its `le` as the exporter or Prometheus 3 (which writes floats) has it. */
  bucket(seconds: number): string {
    const le = Number.isInteger(seconds) ? `le=~"${seconds}|${seconds}\\\\.0"` : `le="${seconds}"`;
    return `${this.histogram}_bucket{${this.selector}, ${le}}`;
  }

  /** Every bucket of the histogram (for percentiles). */
  allBuckets(): string {
    return `${this.histogram}_bucket{${this.selector}}`;
  }

  /** A server error (5xx). */
  get serverError(): string {
    return `, ${this.status}=~"5.."`;
  }
}
