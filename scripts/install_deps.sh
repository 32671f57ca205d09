#!/usr/bin/env bash
# Installs gpta's system packages on Debian 12, idempotently: apt runs only when something is missing.
# Boost 1.81 (not Debian's default 1.74) because 1.74 has no Boost.JSON.
set -euo pipefail

packages=(build-essential cmake pkg-config libeigen3-dev libboost1.81-dev libboost-json1.81-dev
          libboost-test1.81-dev libssl-dev python3 python3-venv python3-pip gnuplot-nox
          libopenmpi-dev openmpi-bin libopenblas-openmp-dev libblis-openmp-dev)
[[ "${1:-}" == "--with-extras" ]] && packages+=(libtbb-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install_deps: all system packages present" >&2
  exit 0
fi
echo "install_deps: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install_deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done" >&2
