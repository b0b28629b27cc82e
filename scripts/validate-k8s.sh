#!/usr/bin/env bash
# Validates packaging/kubernetes/ offline against the Kubernetes API
# schemas, strictly (unknown fields are errors), for the oldest version the
# manifests support (1.30: securityContext.appArmorProfile) and the newest
# the validator knows. kubernetes-validate (from the PyPI registry) carries
# the schemas in its wheel; it is installed once into a virtualenv under
# $FALCO_RS_CACHE, keyed by its version.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=1.37.0
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
venv="$cache/kubernetes-validate-$version"
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  echo "validate-k8s: installing kubernetes-validate $version into $venv" >&2
  rm -rf "$venv"
  # Debian's interpreter (python3-venv), not whatever python3 is first on PATH.
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$version"
fi
got=$("$venv/bin/kubernetes-validate" --version)
case "$got" in
  *"$version"*) ;;
  *) echo "validate-k8s: expected kubernetes-validate $version, found $got" >&2; exit 1 ;;
esac
for k in 1.30.0 "$version"; do
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$k" "$here"/packaging/kubernetes/*.yaml
done
echo "validate-k8s: packaging/kubernetes/*.yaml valid for Kubernetes 1.30.0 and $version" >&2
