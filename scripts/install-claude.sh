#!/usr/bin/env bash
# Installs the Claude Code CLI at the version docs/CLAUDE-CODE.md section 1 documents as known to work
# (observed behaviour of exit codes, stream-json events and usage-limit signals
# was recorded against exactly this release). Global npm install, so it never
# enters the project's own dependencies. Idempotent: a matching install is kept.
set -euo pipefail

CLAUDE_VERSION="${CLAUDE_CLI_VERSION:-2.1.332}"
PACKAGE="@anthropic-ai/claude-code"
RECORD_FILE="${CLAUDE_VERSION_RECORD:-${XDG_STATE_HOME:-$HOME/.local/state}/hybrid-workers/claude-cli-version}"

installed_version() {
  # `claude --version` prints e.g. "2.1.332 (Claude Code)"; keep the first token.
  command -v claude >/dev/null 2>&1 || return 0
  claude --version 2>/dev/null | awk 'NR==1 {print $1}'
}

current="$(installed_version)"
if [[ "$current" == "$CLAUDE_VERSION" ]]; then
  echo "claude $CLAUDE_VERSION already installed at $(command -v claude)"
else
  echo "installing $PACKAGE@$CLAUDE_VERSION (found: ${current:-none})"
  started=$(date +%s)
  npm install --global --no-audit --no-fund "$PACKAGE@$CLAUDE_VERSION"
  echo "install took $(( $(date +%s) - started ))s"
  hash -r
  current="$(installed_version)"
  if [[ "$current" != "$CLAUDE_VERSION" ]]; then
    # npm may hold back the package's postinstall, which puts the native binary in place.
    echo "claude not usable yet; running the package's postinstall"
    (cd "$(npm root --global)/$PACKAGE" && node install.cjs)
    hash -r
    current="$(installed_version)"
  fi
  if [[ "$current" != "$CLAUDE_VERSION" ]]; then
    echo "error: after install, 'claude --version' reports '${current:-nothing}', expected $CLAUDE_VERSION" >&2
    exit 1
  fi
fi

mkdir -p "$(dirname "$RECORD_FILE")"
printf '%s\n' "$CLAUDE_VERSION" > "$RECORD_FILE"
echo "recorded claude $CLAUDE_VERSION in $RECORD_FILE"
