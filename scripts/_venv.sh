# Sourced by the other scripts: create or update .venv with the given extras ("local", "dev").
# Re-installs only when pyproject.toml changed since the last install.
extras="${1:-local}"
py=""
for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    py="$candidate"; break
  fi
done
if [ -z "$py" ]; then
  echo "Sluiceway needs Python >= 3.11 (set PYTHON=/path/to/python)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $("$py" --version)"
  "$py" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=".venv/.sluiceway-installed-$extras"
want="$(cat pyproject.toml | cksum)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing sluiceway[$extras] into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
  echo "$want" > "$stamp"
fi
# litellm fetches its price map from the internet at import unless told not to.
export LITELLM_LOCAL_MODEL_COST_MAP=True
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
