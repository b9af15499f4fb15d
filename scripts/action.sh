#!/usr/bin/env bash
# The steps of the vaulttool GitHub Action (action.yml), kept here so they can be tested.
#
#   action.sh install   create a virtual environment in $RUNNER_TEMP, install vaulttool from
#                       $GITHUB_ACTION_PATH with $VAULTTOOL_PYTHON, set the outputs `vaulttool`
#                       and `python` (the environment's interpreter)
#   action.sh cache     set the outputs `dir` (the cache folder, in $RUNNER_TEMP), `key` and
#                       `restore-key`: for $RUNNER_OS, the Python of $VAULTTOOL_PYTHON, the
#                       vaulttool it runs, the vault $VAULTTOOL_VAULT, then the commit $GITHUB_SHA
#   action.sh check     run `vaulttool check $VAULTTOOL_VAULT $VAULTTOOL_ARGS --format github`
#                       (annotations and job summary), and with $VAULTTOOL_SARIF also write
#                       SARIF there; set the output `exit-code` and exit with it
#
# Inputs arrive only through the environment, never pasted into the script text.
set -euo pipefail

install() {
  local venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/vaulttool-venv" bin
  "${VAULTTOOL_PYTHON:-python3}" -m venv "$venv"
  if [ -d "$venv/bin" ]; then bin="$venv/bin"; else bin="$venv/Scripts"; fi
  "$bin/python" -m pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"
  {
    echo "vaulttool=$bin/vaulttool"
    echo "python=$bin/python"
  } >>"$GITHUB_OUTPUT"
}

cache() {
  local prefix
  # keys may not hold commas, and are at most 512 characters: the vault's path goes in as a digest
  prefix=$("${VAULTTOOL_PYTHON:-python3}" -c '
import hashlib, os, sys, vaulttool
vault = hashlib.sha256(os.path.normpath(sys.argv[2]).encode()).hexdigest()[:16]
print(f"vaulttool-{sys.argv[1]}-{sys.implementation.cache_tag}-{vaulttool.__version__}-{vault}-")
' "${RUNNER_OS:-unknown}" "${VAULTTOOL_VAULT:-.}")
  {
    echo "dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/vaulttool-cache"
    echo "key=$prefix${GITHUB_SHA:-none}"
    echo "restore-key=$prefix"
  } >>"$GITHUB_OUTPUT"
}

check() {
  local vaulttool="${VAULTTOOL_BIN:-vaulttool}" vault="${VAULTTOOL_VAULT:-.}" status=0 sarif_status=0
  local -a extra=()
  read -r -a extra <<<"${VAULTTOOL_ARGS:-}" || true
  "$vaulttool" check "$vault" ${extra[@]+"${extra[@]}"} --format github || status=$?
  if [ -n "${VAULTTOOL_SARIF:-}" ]; then
    mkdir -p -- "$(dirname -- "$VAULTTOOL_SARIF")"
    "$vaulttool" check "$vault" ${extra[@]+"${extra[@]}"} --format sarif --output "$VAULTTOOL_SARIF" ||
      sarif_status=$?
    # problems found (1) are already reported; a usage or internal error (2, 3) must not pass
    if [ "$sarif_status" -gt 1 ] && [ "$status" -le 1 ]; then status=$sarif_status; fi
  fi
  echo "exit-code=$status" >>"$GITHUB_OUTPUT"
  return "$status"
}

case "${1:-}" in
  install) install ;;
  cache) cache ;;
  check) check ;;
  *)
    echo "usage: action.sh install|cache|check" >&2
    exit 2
    ;;
esac
