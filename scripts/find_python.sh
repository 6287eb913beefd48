#!/usr/bin/env bash
# Prints the path of a Python matching .python-version (3.13), or explains in one line how to get one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="$(cat "$root/.python-version")"
for candidate in "python$want" "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/$want"*/bin/python "$HOME/.pyenv/versions/$want"*/bin/python python3; do
  if command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ]; then
    if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
      command -v "$candidate" || echo "$candidate"
      exit 0
    fi
  fi
done
echo "Python $want not found: install it (e.g. 'pyenv install $want', 'uv python install $want' or your OS package python$want) and run make again." >&2
exit 1
