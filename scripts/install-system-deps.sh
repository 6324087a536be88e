#!/usr/bin/env bash
# Installs the Debian packages the toolkit and its tests use, only those missing.
set -euo pipefail
declare -A package_for=([tmux]=tmux [ip]=iproute2 [git]=git [jq]=jq [gh]=gh [promtool]=prometheus [hyperfine]=hyperfine [chromium]=chromium [bwrap]=bubblewrap)
missing=()
for command in "${!package_for[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${package_for[$command]}")
done
# PostgreSQL's initdb is not on PATH in Debian; the postgres backend's tests start private clusters.
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
