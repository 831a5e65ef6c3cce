import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { toEnv, type EnvSource } from './stateful-store';
import { containerResources, restrictedPodSecurityContext, restrictedSecurityContext } from './pod-rules';
import { KEEP_ON_PRUNE } from '../rules';
import type { ResourceSpec } from '../config/sizes';

/** Labels of a store's backup pods: the store's labels under their own name and instance. */
export function backupPodLabels(store: string, storeLabels: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ...storeLabels,
    'app.kubernetes.io/name': `${store}-backup`,
    'app.kubernetes.io/instance': `${store}-backup`,
    'app.kubernetes.io/component': 'backup',
  };
}

export interface BackupCronJobProps {
  /** The store's name: objects are `<store>-backups` (volume) and `<store>-backup` (CronJob). */
  readonly store: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Image with the engine's client tools (usually the engine's own image). */
  readonly image: string;
  readonly runAsUser: number;
  /** Cron schedule. */
  readonly schedule: string;
  /** Backups older than this many days are deleted after each successful run. */
  readonly retentionDays: number;
  /** Backup volume. */
  readonly volume: { readonly storageClass: string; readonly size: string };
  /** Shell command that writes one backup to standard output, for example `pg_dump -Fc`. */
  readonly dump: string;
  /** File extension of a backup, for example `dump`. */
  readonly extension: string;
  readonly env?: Readonly<Record<string, EnvSource>>;
  readonly resources: ResourceSpec;
}

/**
 * Scheduled backup for an engine without a scheduler of its own: a CronJob that streams one dump into a
 * timestamped file on a dedicated volume (renamed into place only when complete), then deletes dumps past
 * the retention. The volume is kept when it leaves the bundle.
 */
export class BackupCronJob extends Construct {
  public readonly cronJob: k8s.KubeCronJob;

  constructor(scope: Construct, id: string, props: BackupCronJobProps) {
    super(scope, id);
    if (!/^[a-z0-9.]+$/.test(props.extension))
      throw new Error(`BackupCronJob ${props.store}: extension "${props.extension}" must be lower case letters, digits and dots`);
    const meta = (name: string) => ({ name, labels: { ...props.labels, 'app.kubernetes.io/component': 'backup' } });
    // Its own identity (no API token): the mesh and the store's policies recognise backup pods by it.
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(`${props.store}-backup`), automountServiceAccountToken: false });
    new k8s.KubePersistentVolumeClaim(this, 'Volume', {
      metadata: { ...meta(`${props.store}-backups`), annotations: { ...KEEP_ON_PRUNE } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: props.volume.storageClass,
        resources: { requests: { storage: k8s.Quantity.fromString(props.volume.size) } },
      },
    });
    const script = [
      'set -eu',
      `file="/backups/${props.store}-$(date -u +%Y%m%dT%H%M%SZ).${props.extension}"`,
      `${props.dump} > "$file.partial"`,
      'mv "$file.partial" "$file"',
      `find /backups -name '${props.store}-*.${props.extension}' -mtime +${props.retentionDays} -delete`,
      'ls -l /backups',
    ].join('\n');
    const r = props.resources;
    this.cronJob = new k8s.KubeCronJob(this, 'CronJob', {
      metadata: meta(`${props.store}-backup`),
      spec: {
        schedule: props.schedule,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 3 * 3600,
            ttlSecondsAfterFinished: 7 * 86400,
            template: {
              // Own name and instance: the store's Services and budgets must not select backup pods.
              metadata: { labels: backupPodLabels(props.store, props.labels) },
              spec: {
                restartPolicy: 'OnFailure',
                serviceAccountName: `${props.store}-backup`,
                automountServiceAccountToken: false,

                securityContext: restrictedPodSecurityContext(props.runAsUser),
                containers: [
                  {
                    name: 'backup',
                    image: props.image,
                    imagePullPolicy: 'IfNotPresent',
                    command: ['/bin/sh', '-c', script],
                    env: toEnv(props.env),
                    resources: containerResources(r),
                    securityContext: restrictedSecurityContext(props.runAsUser),
                    volumeMounts: [
                      { name: 'backups', mountPath: '/backups' },
                      { name: 'tmp', mountPath: '/tmp' },
                    ],
                  },
                ],
                volumes: [
                  { name: 'backups', persistentVolumeClaim: { claimName: `${props.store}-backups` } },
                  { name: 'tmp', emptyDir: {} },
                ],
              },
            },
          },
        },
      },
    });
  }
}
