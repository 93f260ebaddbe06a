#!/usr/bin/env bash
# Checks the deployment files with the real tools where this machine has them (docs/operations.md, "What CI checks"):
#   - systemd units: `systemd-analyze verify` (any warning fails: an unknown key is silently ignored by systemd);
#   - nginx example: `nginx -t` on a copy with a throw-away self-signed certificate;
#   - compose.yaml: parses as YAML and runs the three roles after the migration;
#   - Dockerfile: a real build needs its base image, which cannot be pulled here (only the npm and Debian registries
#     are reachable), so it is built only when that image is already in local storage; otherwise the static checks of
#     tests/project-files.test.ts (multi-stage, non-root USER, HEALTHCHECK, pinned tags) stand in, in `npm test`.
# Takes about a second (without the image build); installs the Debian packages it needs when they are missing (as .ci/run does for its own).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need=()
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  # policy-rc.d keeps the package from starting nginx as a service on this machine.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "systemd units"
out=$(systemd-analyze verify --man=no deploy/systemd/responsiva-*.service deploy/systemd/responsiva.target 2>&1) || {
  echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "  ok: $(ls deploy/systemd | tr '\n' ' ')"

echo "nginx example"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=check -keyout "$work/key.pem" -out "$work/cert.pem" \
  >/dev/null 2>&1
sed -e "s#/etc/letsencrypt/live/[^/]*/fullchain.pem#$work/cert.pem#" \
    -e "s#/etc/letsencrypt/live/[^/]*/privkey.pem#$work/key.pem#" deploy/nginx/responsiva.conf >"$work/site.conf"
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log stderr;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  include $work/site.conf;
}
CONF
nginx -t -q -p "$work" -c "$work/nginx.conf"
echo "  ok: deploy/nginx/responsiva.conf"

echo "compose.yaml"
/usr/bin/python3 - <<'PY'
import sys, yaml
doc = yaml.safe_load(open("compose.yaml"))
services = doc["services"]
problems = []
for role in ("web", "worker", "scheduler"):
    s = services.get(role)
    if not s or f"--roles={role}" not in s.get("command", []):
        problems.append(f"no {role} service running --roles={role}")
    elif s.get("depends_on", {}).get("migrate", {}).get("condition") != "service_completed_successfully":
        problems.append(f"{role} does not wait for the migration")
if "migrate" not in services.get("migrate", {}).get("command", []):
    problems.append("no migrate service")
if not services.get("db", {}).get("image", "").startswith("postgis/postgis:"):
    problems.append("db is not a PostGIS image")
if problems:
    sys.exit("compose.yaml: " + "; ".join(problems))
print("  ok: services " + " ".join(services))
PY

echo "Dockerfile"
base=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
if command -v buildah >/dev/null 2>&1 && buildah inspect --type image "$base" >/dev/null 2>&1; then
  # Minutes, not seconds (npm ci inside): only where someone put the base image in local storage on purpose.
  buildah bud --format docker --isolation chroot --network host --layers -t responsiva:check .
  echo "  ok: built with buildah from local $base"
else
  echo "  not built: the base image $base is not in local storage and cannot be pulled from here;"
  echo "  the Dockerfile's static checks run in tests/project-files.test.ts"
fi
