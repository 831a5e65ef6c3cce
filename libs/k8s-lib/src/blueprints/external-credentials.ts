import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
} from '../imports/externalsecret-external-secrets.io';

export interface ExternalCredentialsProps {
  /** Name of the ExternalSecret and of the Secret it creates. */
  readonly name: string;
  /** ClusterSecretStore to read from (the environment's `secrets.store`). */
  readonly store: string;
  /** Key of the secret in the backend; each of its properties becomes a key of the Secret. */
  readonly remoteKey: string;
  /** How often the backend is re-read. @default '1h' */
  readonly refreshInterval?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Type of the created Secret, for consumers that require one. @default 'Opaque' */
  readonly secretType?: string;
  /**
   * Only these properties of the remote key, by the Secret key each becomes (`{ password: 'kibana-password' }`),
   * so that a Secret holds no more than its consumer reads. @default - every property, under its own name
   */
  readonly properties?: Readonly<Record<string, string>>;
  /** Namespace of the ExternalSecret and its Secret (a cluster-level package's, a slot's). @default - the chart's */
  readonly namespace?: string;
}

/**
 * Credentials by reference: an External Secrets Operator `ExternalSecret` that creates the Secret
 * `name` from `remoteKey` in the environment's ClusterSecretStore. The bundle never holds the values.
 */
export class ExternalCredentials extends Construct {
  /** Name of the Secret the operator creates. */
  public readonly secretName: string;
  public readonly externalSecret: ExternalSecret;

  constructor(scope: Construct, id: string, props: ExternalCredentialsProps) {
    super(scope, id);
    this.secretName = props.name;
    this.externalSecret = new ExternalSecret(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: props.store },
        target: {
          name: props.name,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          template: props.secretType ? { type: props.secretType } : undefined,
        },
        ...(props.properties
          ? {
              data: Object.entries(props.properties).map(([secretKey, property]) => ({
                secretKey,
                remoteRef: { key: props.remoteKey, property },
              })),
            }
          : { dataFrom: [{ extract: { key: props.remoteKey } }] }),
      },
    });
  }
}
