/** How a health endpoint is probed. */
export interface HealthProps {
  /** Readiness endpoint: the pod takes traffic only while it answers 2xx. */
  readonly readiness: string;
  /** Liveness endpoint: the pod is restarted when it stops answering. Must differ from readiness. */
  readonly liveness: string;
  /** Startup endpoint, polled until the app has started. @default - the readiness endpoint */
  readonly startup?: string;
  /** Named port the probes call. @default 'http' */
  readonly port?: string;
}

/** Probe timings of the platform: readiness reacts fast, liveness is patient, startup allows two minutes. */
export const PROBE_TIMINGS = {
  readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
  liveness: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
  startup: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 24 },
} as const;

/**
 * Probe timings of data stores: slower and more patient than the services' (an engine under load or
 * catching up answers late; a restart costs a failover), startup allowing five minutes.
 */
export const STORE_PROBE_TIMINGS = {
  readiness: { period: 10, failures: 3, timeout: 5 },
  liveness: { period: 20, failures: 6, timeout: 5 },
  startup: { period: 10, failures: 30, timeout: 5 },
} as const;
