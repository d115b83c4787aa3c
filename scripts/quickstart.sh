#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root), starts a local k8ts cluster running real containers
# in the background (bin/k8ts start), and rolls out the article's nginx with the real kubectl.
#   bash scripts/quickstart.sh [DATA_DIR]      (default /var/lib/k8ts, k8ts's own default as root; never
#   under /tmp, where any local user could pre-create it)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-/var/lib/k8ts}"
export DEBIAN_FRONTEND=noninteractive
PKGS="unzip jq curl runc conmon tini containernetworking-plugins iptables nftables iproute2 nginx-light busybox-static"
missing=""; for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build >/dev/null
bash images/build.sh >/dev/null
node scripts/ensure-tools.mjs
# Always the kubectl 1.32 the tests use, whatever kubectl is on PATH.
export K8TS_KUBECTL="$PWD/.tools/kubectl"
# Starts the server in the background and waits for the API, the node, DNS and the Ingress
# (already running: prints the summary).
bin/k8ts start --data-dir "$DATA"
for f in images/out/*.tar; do bin/k8ts image load "$f" --data-dir "$DATA"; done
bin/k8ts kubectl --data-dir "$DATA" apply -f examples/nginx.yaml
bin/k8ts kubectl --data-dir "$DATA" rollout status deployment/nginx-dep --timeout=180s
bin/k8ts kubectl --data-dir "$DATA" get pods -o wide
IP=$(bin/k8ts kubectl --data-dir "$DATA" get pods -l app=server -o jsonpath='{.items[0].status.podIP}')
for i in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1/ && break; sleep 0.2; done
echo
echo "k8ts is running (log: $DATA/server.log). Try:"
echo "  bin/k8ts kubectl --data-dir $DATA get all      # or: export KUBECONFIG=$DATA/kubeconfig.yaml"
echo "  curl http://127.0.0.1/   # the article's nginx through its Ingress (port 80)"
echo "  curl http://$IP/        # one of the nginx pods directly"
echo "  bin/k8ts stop --data-dir $DATA; bin/k8ts start --data-dir $DATA   # everything comes back"
