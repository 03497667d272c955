#!/usr/bin/env bash
# `make demo`: what one ModelService becomes, in a few lines. V=1 prints every step in full.
# usage: scripts/demo.sh VENV
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
FN="$VENV/bin/modelservice-fn"
verbose=${V:-0}

step() { printf '\n$ %s\n' "$*"; }

echo "$("$FN" --version) is installed in $VENV (the runtime only: PyYAML and pydantic)."
if [ "$verbose" = 1 ]; then
    step "modelservice-fn < examples/resourcelist.yaml"
    "$FN" < examples/resourcelist.yaml
fi
step "modelservice-fn render --summary examples/kpt"
"$FN" render --summary examples/kpt
if command -v kubectl >/dev/null 2>&1; then
    plugins=$(mktemp -d)
    trap 'rm -rf "$plugins"' EXIT
    "$FN" install-kustomize-plugin "$plugins" >/dev/null
    step "kubectl kustomize --enable-alpha-plugins examples/kustomize   (the legacy plugin, installed in a temp dir)"
    built=$(KUSTOMIZE_PLUGIN_HOME=$plugins kubectl kustomize --enable-alpha-plugins examples/kustomize)
    if [ "$verbose" = 1 ]; then
        printf '%s\n' "$built"
    else
        echo "$(grep -c '^kind:' <<<"$built") objects built (V=1 shows them)"
    fi
fi
cat <<NEXT

Next: the function is in $VENV/bin, so activate the venv first (or prefix $VENV/bin/):
  source $VENV/bin/activate
  modelservice-fn render examples/kpt                  # the manifests to apply, as one YAML stream
  kpt fn render --allow-exec examples/kpt -o stdout    # the same through kpt, files untouched
  make demo V=1                                        # every step in full
NEXT
