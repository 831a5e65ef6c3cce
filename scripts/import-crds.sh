#!/usr/bin/env bash
# Regenerates the typed constructs in libs/k8s-lib/src/imports/ from the CRD files in libs/k8s-lib/crds/
# with `cdk8s import` (offline). Run after updating a CRD file; commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
C=libs/k8s-lib/crds
OUT=libs/k8s-lib/src/imports
CLI="npx --yes cdk8s-cli@2.207.60"
for spec in \
  cnpg-cluster:=$C/cloudnative-pg/postgresql.cnpg.io_clusters.yaml \
  cnpg-scheduledbackup:=$C/cloudnative-pg/postgresql.cnpg.io_scheduledbackups.yaml \
  externalsecret:=$C/external-secrets/external-secrets.io_externalsecrets.yaml \
  rabbitmqcluster:=$C/rabbitmq-cluster-operator/rabbitmq.com_rabbitmqclusters.yaml \
  certificate:=$C/cert-manager/cert-manager.io_certificates.yaml \
  issuer:=$C/cert-manager/cert-manager.io_issuers.yaml; do
  # One file per import: two CRDs of one API group imported together overwrite each other.
  $CLI import --no-check-upgrade -l typescript -o "$OUT" "$spec"
done
