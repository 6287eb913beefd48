#!/usr/bin/env bash
# Creates (or refreshes) a virtualenv from a fully pinned requirements file, then writes a stamp.
# Usage: scripts/setup_venv.sh VENV_DIR REQUIREMENTS_FILE
# Idempotent: make only calls it when the requirements file is newer than the stamp.
set -euo pipefail
venv="$1"
requirements="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$("$root/scripts/find_python.sh")"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'; then
  echo "==> creating $venv with $python"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
echo "==> installing $requirements into $venv"
# pip's own index settings stay as configured on the machine; no other source is used.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" 2>&1 \
  | { grep -v "^WARNING: Location '.*' is ignored" || true; }
touch "$venv/.installed"
