#!/usr/bin/env bash
# Installs Pueue (the pueue client and the pueued daemon) with cargo when `pueue` is missing.
# Idempotent: with Pueue already on PATH it only prints the version. PUEUE_VERSION pins the
# release (default 4.0.4, the version the queue backend is tested against); a cold build takes
# about 5-6 minutes on two cores.
set -euo pipefail

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"
VERSION="${PUEUE_VERSION:-4.0.4}"

if command -v pueue >/dev/null 2>&1 && command -v pueued >/dev/null 2>&1; then
  echo "install-pueue: already installed: $(pueue --version)"
  exit 0
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "install-pueue: cargo is needed to build Pueue; install Rust (https://rustup.rs) or a pueue package, then rerun." >&2
  exit 1
fi

started=$(date +%s)
cargo install pueue --locked --version "$VERSION"
echo "install-pueue: built in $(( $(date +%s) - started )) s"
echo "install-pueue: installed: $(pueue --version)"
