#!/usr/bin/env bash
# Builds the offline test images from the Debian packages installed on this machine
# (busybox-static, nginx-light) as OCI image layout archives in images/out/*.tar:
#
#   busybox.tar      docker.io/library/busybox:latest         busybox httpd serving /www on :80 (Cmd, no Entrypoint)
#   echoserver.tar   k8s.gcr.io/echoserver:1.4                nginx on :8080 answering with the request's details
#   nginx-1.14.tar   docker.io/library/nginx:1.14-alpine      nginx welcome page on :80 ("… 1.14-alpine …")
#   nginx-1.18.tar   docker.io/library/nginx:1.18-alpine      nginx welcome page on :80 ("… 1.18-alpine …")
#
# Layers (shared, so the store unpacks the base once):  base (busybox + /etc)  ←  nginx (binary, libs)  ←  per-image config/html
# Deterministic: sorted entries, mtime 0, uid/gid 0, gzip -n — same digests on every build of the same packages.
# Usage: bash images/build.sh [OUTDIR]   (needs: busybox-static, nginx-light, tar, gzip, sha256sum, jq)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/out}"
BUSYBOX=/bin/busybox
NGINX=/usr/sbin/nginx
for t in tar gzip sha256sum jq; do command -v "$t" >/dev/null || { echo "build.sh: $t is required" >&2; exit 1; }; done
[ -x "$BUSYBOX" ] || { echo "build.sh: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "build.sh: $NGINX missing (apt-get install nginx-light)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
TAROPTS=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu)

# layer DIR NAME -> sets LAYER_<NAME>_{DIFF,DIG,SIZE}; blob stored in $WORK/blobs
mkdir -p "$WORK/blobs"
layer() {
  local dir="$1" name="$2" tarf="$WORK/$2.tar"
  tar "${TAROPTS[@]}" -C "$dir" -cf "$tarf" .
  local diff; diff=$(sha256sum "$tarf" | cut -d' ' -f1)
  gzip -n -9 -c "$tarf" > "$tarf.gz"
  local dig; dig=$(sha256sum "$tarf.gz" | cut -d' ' -f1)
  mv "$tarf.gz" "$WORK/blobs/$dig"; rm -f "$tarf"
  printf -v "LAYER_${name}_DIFF" '%s' "$diff"
  printf -v "LAYER_${name}_DIG" '%s' "$dig"
  printf -v "LAYER_${name}_SIZE" '%s' "$(stat -c %s "$WORK/blobs/$dig")"
}

# ---- base layer: busybox + applets + /etc ----
B="$WORK/base"
mkdir -p "$B"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,run,var/tmp}
cp "$BUSYBOX" "$B/bin/busybox"
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$B/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$B/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$B/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$B/etc/nsswitch.conf"
chmod 1777 "$B/tmp" "$B/var/tmp"; chmod 700 "$B/root"
layer "$B" base

# ---- nginx layer: Debian's binary + ldd libraries ----
N="$WORK/nginx"
mkdir -p "$N"/{usr/sbin,etc/nginx,var/log/nginx,var/lib/nginx,usr/share/nginx/html}
cp "$NGINX" "$N/usr/sbin/nginx"
for lib in $(ldd "$NGINX" | grep -oE '/[^ ]+'); do cp -L --parents "$lib" "$N/"; done
cp /etc/nginx/mime.types "$N/etc/nginx/"
for d in body proxy fastcgi scgi uwsgi; do mkdir -p "$N/var/lib/nginx/$d"; done
ln -s /dev/stdout "$N/var/log/nginx/access.log"; ln -s /dev/stderr "$N/var/log/nginx/error.log"
layer "$N" nginx

# ---- per-image top layers ----
T="$WORK/top-busybox"; mkdir -p "$T/www"
printf '<html><body><h1>hello from busybox httpd</h1></body></html>\n' > "$T/www/index.html"
layer "$T" busybox

T="$WORK/top-echoserver"; mkdir -p "$T/etc/nginx"
cat > "$T/etc/nginx/nginx.conf" <<'CONF'
# Echo server like k8s.gcr.io/echoserver:1.4: answers every request with its details.
user nobody nogroup;
worker_processes 1;
pid /run/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
  access_log /dev/stdout;
  client_body_temp_path /var/lib/nginx/body;
  map $query_string $echo_query { "" "nil"; default $query_string; }
  map $server_protocol $echo_version { "HTTP/1.0" "1.0"; "HTTP/1.1" "1.1"; "HTTP/2.0" "2.0"; default $server_protocol; }
  map $http_accept $h_accept { "" ""; default "accept=$http_accept\n"; }
  map $http_accept_encoding $h_accept_encoding { "" ""; default "accept-encoding=$http_accept_encoding\n"; }
  map $http_authorization $h_authorization { "" ""; default "authorization=$http_authorization\n"; }
  map $http_connection $h_connection { "" ""; default "connection=$http_connection\n"; }
  map $content_length $h_content_length { "" ""; default "content-length=$content_length\n"; }
  map $content_type $h_content_type { "" ""; default "content-type=$content_type\n"; }
  map $http_cookie $h_cookie { "" ""; default "cookie=$http_cookie\n"; }
  map $http_host $h_host { "" ""; default "host=$http_host\n"; }
  map $http_referer $h_referer { "" ""; default "referer=$http_referer\n"; }
  map $http_user_agent $h_user_agent { "" ""; default "user-agent=$http_user_agent\n"; }
  map $http_x_forwarded_for $h_x_forwarded_for { "" ""; default "x-forwarded-for=$http_x_forwarded_for\n"; }
  map $http_x_forwarded_proto $h_x_forwarded_proto { "" ""; default "x-forwarded-proto=$http_x_forwarded_proto\n"; }
  map $http_x_real_ip $h_x_real_ip { "" ""; default "x-real-ip=$http_x_real_ip\n"; }
  map $content_length $echo_body { "" "-no body in request-"; "0" "-no body in request-"; default "-body of $content_length bytes not echoed-"; }
  server {
    listen 8080 default_server;
    server_name _;
    location / {
      default_type text/plain;
      return 200 "CLIENT VALUES:\nclient_address=$remote_addr\ncommand=$request_method\nreal path=$uri\nquery=$echo_query\nrequest_version=$echo_version\nrequest_uri=$scheme://$host:$server_port$request_uri\n\nSERVER VALUES:\nserver_version=nginx: 1.22.1 - lua: 10008\n\nHEADERS RECEIVED:\n$h_accept$h_accept_encoding$h_authorization$h_connection$h_content_length$h_content_type$h_cookie$h_host$h_referer$h_user_agent$h_x_forwarded_for$h_x_forwarded_proto${h_x_real_ip}BODY:\n$echo_body\n";
    }
  }
}
CONF
layer "$T" echoserver

for v in 1.14 1.18; do
  T="$WORK/top-nginx-$v"; mkdir -p "$T/etc/nginx" "$T/usr/share/nginx/html"
  cat > "$T/etc/nginx/nginx.conf" <<'CONF'
user nobody nogroup;
worker_processes 1;
pid /run/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  client_body_temp_path /var/lib/nginx/body;
  server {
    listen 80 default_server;
    server_name _;
    root /usr/share/nginx/html;
    location / { index index.html; }
  }
}
CONF
  cat > "$T/usr/share/nginx/html/index.html" <<HTML
<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and working.</p>
<p>k8ts test image nginx:$v-alpine (Debian's nginx 1.22.1 inside).</p>
</body>
</html>
HTML
  layer "$T" "nginx${v/./}"
done

# image NAME REF CONFIG_JSON(config section) LAYER_NAMES...
image() {
  local file="$1" ref="$2" cfgsec="$3"; shift 3
  local L="$WORK/layout-$file"; rm -rf "$L"; mkdir -p "$L/blobs/sha256"
  local diffs="[]" layers="[]" n dig diff size
  for n in "$@"; do
    diff="LAYER_${n}_DIFF"; dig="LAYER_${n}_DIG"; size="LAYER_${n}_SIZE"
    cp "$WORK/blobs/${!dig}" "$L/blobs/sha256/${!dig}"
    diffs=$(jq -c --arg d "sha256:${!diff}" '. + [$d]' <<<"$diffs")
    layers=$(jq -c --arg d "sha256:${!dig}" --argjson s "${!size}" \
      '. + [{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$d,size:$s}]' <<<"$layers")
  done
  jq -cn --argjson c "$cfgsec" --argjson diffs "$diffs" --arg ref "$ref" \
    '{created:"1970-01-01T00:00:00Z",architecture:"amd64",os:"linux",config:$c,
      rootfs:{type:"layers",diff_ids:$diffs},
      history:[{created:"1970-01-01T00:00:00Z",created_by:("k8ts images/build.sh " + $ref)}]}' > "$WORK/config.json"
  local cdig csize; cdig=$(sha256sum "$WORK/config.json" | cut -d' ' -f1); csize=$(stat -c %s "$WORK/config.json")
  mv "$WORK/config.json" "$L/blobs/sha256/$cdig"
  jq -cn --arg c "sha256:$cdig" --argjson cs "$csize" --argjson layers "$layers" \
    '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
      config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},layers:$layers}' > "$WORK/manifest.json"
  local mdig msize; mdig=$(sha256sum "$WORK/manifest.json" | cut -d' ' -f1); msize=$(stat -c %s "$WORK/manifest.json")
  mv "$WORK/manifest.json" "$L/blobs/sha256/$mdig"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$L/oci-layout"
  jq -cn --arg m "sha256:$mdig" --argjson ms "$msize" --arg ref "$ref" \
    '{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",
      manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$ms,
        annotations:{"org.opencontainers.image.ref.name":$ref,"io.containerd.image.name":$ref},
        platform:{architecture:"amd64",os:"linux"}}]}' > "$L/index.json"
  tar "${TAROPTS[@]}" -C "$L" -cf "$OUT/$file.tar.tmp" oci-layout index.json blobs
  mv "$OUT/$file.tar.tmp" "$OUT/$file.tar"
  echo "$OUT/$file.tar  $ref  manifest sha256:$mdig  config sha256:$cdig"
}

PATHENV='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
image busybox docker.io/library/busybox:latest \
  "{\"Env\":[$PATHENV],\"Cmd\":[\"httpd\",\"-f\",\"-v\",\"-p\",\"80\",\"-h\",\"/www\"],\"WorkingDir\":\"/\",\"ExposedPorts\":{\"80/tcp\":{}}}" \
  base busybox
image echoserver k8s.gcr.io/echoserver:1.4 \
  "{\"Env\":[$PATHENV],\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"ExposedPorts\":{\"8080/tcp\":{}},\"StopSignal\":\"SIGQUIT\"}" \
  base nginx echoserver
image nginx-1.14 docker.io/library/nginx:1.14-alpine \
  "{\"Env\":[$PATHENV,\"NGINX_VERSION=1.14\"],\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"ExposedPorts\":{\"80/tcp\":{}},\"StopSignal\":\"SIGQUIT\"}" \
  base nginx nginx114
image nginx-1.18 docker.io/library/nginx:1.18-alpine \
  "{\"Env\":[$PATHENV,\"NGINX_VERSION=1.18\"],\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"ExposedPorts\":{\"80/tcp\":{}},\"StopSignal\":\"SIGQUIT\"}" \
  base nginx nginx118
