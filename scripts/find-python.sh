#!/usr/bin/env bash
# Print a Python >= 3.12 interpreter (Django 6 needs it): PATH first, then pyenv's versions.
set -u
for candidate in python3.13 python3.12 python3 /root/.pyenv/versions/3.13*/bin/python3.13 \
                 /root/.pyenv/versions/3.12*/bin/python3.12 "$HOME"/.pyenv/versions/3.1[23]*/bin/python3.1[23]; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
echo "no Python >= 3.12 found (Django 6 requires it); install python3.12" >&2
exit 1
