# shellcheck shell=bash
# Source this (`. scripts/env.sh`) from the Makefile, tests and demos to get the pinned, offline Pulumi setup:
# installs what is missing (scripts/install-pulumi.sh, scripts/install-sdks.sh; both are no-ops when done),
# puts the Pulumi bin dir first on PATH and exports:
#   AKSMESH_PULUMI_BIN    dir holding `pulumi` and `pulumi-language-yaml` (its parent is the Automation API root)
#   AKSMESH_PYTHON        python of the cached venv with pulumi==<ver> (runs scripts/run-program.py)
#   AKSMESH_NODE_MODULES  node_modules with @pulumi/pulumi@<ver> and tsc (used by scripts/run-program.mjs)
# Safe under the caller's `set -euo pipefail` and when sourced more than once; returns non-zero on failure.

_aksmesh_env() {
  local scripts ver=${PULUMI_VERSION:-3.259.0}   # same default as the two installers
  scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  export AKSMESH_CACHE=${AKSMESH_CACHE:-$HOME/.cache/aksmesh}
  # The installer prints progress on stderr and the bin dir on its last stdout line.
  AKSMESH_PULUMI_BIN=$(bash "$scripts/install-pulumi.sh" | tail -n 1) || return 1
  [ -x "$AKSMESH_PULUMI_BIN/pulumi" ] || { echo "env.sh: no pulumi in '$AKSMESH_PULUMI_BIN'" >&2; return 1; }
  bash "$scripts/install-sdks.sh" || return 1
  export AKSMESH_PULUMI_BIN
  export AKSMESH_PYTHON="$AKSMESH_CACHE/venv-pulumi-$ver/bin/python"
  export AKSMESH_NODE_MODULES="$AKSMESH_CACHE/node-pulumi-$ver/node_modules"
  # The pinned engine first, then the venv (its python3 has jsonschema for validate-arm-requests).
  local venv_bin="$AKSMESH_CACHE/venv-pulumi-$ver/bin"
  case ":$PATH:" in
    ":$AKSMESH_PULUMI_BIN:$venv_bin:"*) ;;              # already first (sourced twice)
    *) export PATH="$AKSMESH_PULUMI_BIN:$venv_bin:$PATH" ;;
  esac
  # Offline engine (pulumi-protocol.md §11): no update check, no plugin downloads.
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  # Passphrase of the file backend's default secrets provider (a local test value, not a real secret).
  if [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-aksmesh-local}
  fi
  # PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK is not needed: the build stamps `pulumi version` = v<ver>.
}

_aksmesh_rc=0
_aksmesh_env || _aksmesh_rc=$?
unset -f _aksmesh_env
# `return` works when sourced; `exit` only if someone runs the file directly.
# shellcheck disable=SC2317
if [ "$_aksmesh_rc" -ne 0 ]; then unset _aksmesh_rc; return 1 2>/dev/null || exit 1; fi
unset _aksmesh_rc
