#!/usr/bin/env bash
# Create .venv in the checkout and install the pinned OpenMMLab stack and mmbleed into it.
#
# Safe to re-run: what is installed is kept. mmcv 2.1.0 is compiled from source with its ops
# the first time (about 20 minutes on 2 cores); pip keeps the wheel in its cache, so later
# installs on the same machine take seconds. Versions live in requirements/*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n[install] %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    step "creating virtual environment $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip)

step "torch and mmcv's build requirements (requirements/build.txt)"
"${PIP[@]}" install -q -r requirements/build.txt

if "$VENV/bin/python" -c "import mmcv, mmcv._ext; assert mmcv.__version__ == '2.1.0'" 2>/dev/null; then
    step "mmcv 2.1.0 with ops already installed"
else
    step "mmcv 2.1.0 with ops (compiled once, ~20 min on 2 cores; then from pip's cache)"
    MMCV_WITH_OPS=1 "${PIP[@]}" install -q --no-build-isolation --no-deps -r requirements/mmcv.txt
fi

step "runtime, test and optional requirements"
"${PIP[@]}" install -q -r requirements/runtime.txt -r requirements/tests.txt -r requirements/optional.txt

step "mmengine, mmdet, mmpretrain (--no-deps: keeps headless OpenCV and the pinned torch)"
"${PIP[@]}" install -q --no-deps -r requirements/openmmlab.txt

step "mmbleed (a regular install, so 'mim train mmbleed' finds its tools and configs)"
"${PIP[@]}" install -q --no-deps --no-build-isolation --force-reinstall .
rm -rf build mmbleed.egg-info

step "pip check (mmengine's opencv-python requirement is met by opencv-python-headless)"
"${PIP[@]}" check | grep -v "requires opencv-python, which is not installed" || true
"$VENV/bin/python" -c "import mmbleed, mmcv, mmdet, mmpretrain, mmengine, torch; \
print(f'mmbleed {mmbleed.__version__} | torch {torch.__version__} | mmcv {mmcv.__version__} | '\
f'mmengine {mmengine.__version__} | mmdet {mmdet.__version__} | mmpretrain {mmpretrain.__version__}')"
