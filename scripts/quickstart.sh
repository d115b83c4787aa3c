#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root), starts a k8ts server running real containers
# in the background, and rolls out the article's nginx with the real kubectl.
#   bash scripts/quickstart.sh [DATA_DIR]      (default /tmp/k8ts)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-/tmp/k8ts}"
export DEBIAN_FRONTEND=noninteractive
PKGS="unzip jq runc conmon tini containernetworking-plugins iptables nftables iproute2 nginx-light busybox-static"
missing=""; for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build >/dev/null
bash images/build.sh >/dev/null
node scripts/ensure-tools.mjs
if ! pgrep -f "k8ts server --data-dir $DATA" >/dev/null; then
  setsid bin/k8ts server --data-dir "$DATA" > "$DATA.log" 2>&1 < /dev/null &
fi
for i in $(seq 1 50); do [ -f "$DATA/kubeconfig.yaml" ] && [ -S "$DATA/images.sock" ] && break; sleep 0.2; done
for f in images/out/*.tar; do bin/k8ts image load "$f" --data-dir "$DATA"; done
export KUBECONFIG="$DATA/kubeconfig.yaml"
.tools/kubectl apply -f ../shared/seed/nginx.yaml
.tools/kubectl rollout status deployment/nginx-dep --timeout=180s
.tools/kubectl get pods -o wide
IP=$(.tools/kubectl get pods -l app=server -o jsonpath='{.items[0].status.podIP}')
echo
echo "k8ts is running (log: $DATA.log). Try:"
echo "  export KUBECONFIG=$DATA/kubeconfig.yaml; .tools/kubectl get all"
echo "  curl http://127.0.0.1/   # the article's nginx through its Ingress (port 80)"
echo "  curl http://$IP/        # one of the nginx pods directly"
