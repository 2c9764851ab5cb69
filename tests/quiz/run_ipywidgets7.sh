#!/usr/bin/env bash
# Run the quiz and inspector logic/rendering tests with ipywidgets 7.7 (the version Colab
# ships) in a throwaway virtual environment under build/ (git-ignored).
#
# Idempotent: the environment is made once and reused while its requirement line is
# unchanged. Extra arguments go to pytest.
#   tests/quiz/run_ipywidgets7.sh            # make or reuse build/venv-ipywidgets7, run tests
#   PYTHON=python3.12 tests/quiz/run_ipywidgets7.sh -x
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${TLCOURSE_IPYWIDGETS7_VENV:-$ROOT/build/venv-ipywidgets7}"
PYTHON="${PYTHON:-python3}"
# ipykernel < 7 matches what ships next to ipywidgets 7.7 in Colab.
REQUIREMENTS=("ipywidgets==7.7.*" "ipykernel<7" "pytest>=7.4" "pyyaml>=6.0" "jsonschema>=4.0" "mistune>=3.1,<4")
STAMP="$VENV/.tlcourse-requirements"

if [[ ! -x "$VENV/bin/python" || "$(cat "$STAMP" 2>/dev/null)" != "${REQUIREMENTS[*]}" ]]; then
    echo "Making $VENV with ${REQUIREMENTS[*]} ..."
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "${REQUIREMENTS[@]}"
    "$VENV/bin/python" -m pip install --quiet --no-deps -e "$ROOT"
    echo "${REQUIREMENTS[*]}" > "$STAMP"
fi

"$VENV/bin/python" - <<'EOF'
import ipywidgets, sys
if not ipywidgets.__version__.startswith("7.7"):
    sys.exit(f"expected ipywidgets 7.7.x in this environment, found {ipywidgets.__version__}")
print(f"ipywidgets {ipywidgets.__version__}")
EOF

cd "$ROOT"
exec "$VENV/bin/python" -m pytest tests/quiz tests/test_inspector.py tests/test_upload.py -q -p no:cacheprovider "$@"
