#!/usr/bin/env bash
# Sets up everything autograd-lab needs on a Debian/Ubuntu machine, then runs one job.
#
#   bash scripts/bootstrap.sh tour [--out DIR]   the guided tour, offline
#   bash scripts/bootstrap.sh pytest [ARGS...]   the test suite
#   bash scripts/bootstrap.sh autograd-lab ARGS  any command of the CLI
#
# It installs the Graphviz system package (apt-get), makes a virtual environment in
# .venv and installs the project into it with its TensorFlow and test extras. A second
# call reuses both and only reinstalls when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="${AUTOGRAD_LAB_VENV:-$root/.venv}"
python="${PYTHON:-python3}"

say() { printf '[bootstrap] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else return 1
    fi
}

apt_packages=()
command -v dot >/dev/null 2>&1 || apt_packages+=(graphviz)
command -v "$python" >/dev/null 2>&1 || apt_packages+=(python3)
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then apt_packages+=(python3-venv); fi
if [ ${#apt_packages[@]} -gt 0 ]; then
    say "installing system packages: ${apt_packages[*]}"
    if command -v apt-get >/dev/null 2>&1; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
            && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends "${apt_packages[@]}" >/dev/null \
            || say "could not install ${apt_packages[*]}; pictures will be written as .dot only"
    else
        say "no apt-get here: install ${apt_packages[*]} with your package manager"
    fi
fi

"$python" - <<'PY'
import sys
if sys.version_info < (3, 10):
    sys.exit(f"autograd-lab needs Python 3.10 or newer, found {sys.version.split()[0]}")
PY

if [ ! -x "$venv/bin/python" ]; then
    say "creating the virtual environment $venv"
    "$python" -m venv "$venv"
fi
stamp="$venv/.autograd-lab-installed"
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing autograd-lab and its dependencies into $venv (first time: a few minutes)"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e ".[tensorflow,dev]"
    echo "$want" >"$stamp"
fi

export PATH="$venv/bin:$PATH"
export MPLBACKEND="${MPLBACKEND:-Agg}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"  # TensorFlow's C++ start-up chatter
job="${1:-tour}"
shift || true
case "$job" in
    tour) exec autograd-lab tour "$@" ;;
    pytest)
        # One BLAS thread per process: the suite runs TensorFlow beside NumPy on few cores,
        # where OpenBLAS threads fighting over them slow a matrix product tenfold.
        export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
        exec python -m pytest "$@" ;;
    autograd-lab) exec autograd-lab "$@" ;;
    *) say "unknown job '$job': use tour, pytest or autograd-lab"; exit 2 ;;
esac
