#!/usr/bin/env bash
# Every check the project promises: lint, types, the no-Qt-in-core rule, tests.
set -uo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
py=.venv/bin/python
status=0

echo "== ruff"
$py -m ruff check trackerscan gui tests bench scripts || status=1
echo "== mypy (strict on trackerscan/)"
$py -m mypy || status=1
echo "== the core does not import Qt"
if grep -rnE '^\s*(from|import)\s+(PyQt6|PySide6|qasync)' trackerscan; then
    echo "trackerscan/ must not import Qt: the GUI lives in gui/"; status=1
else
    echo "ok"
fi
echo "== pytest"
$py -m pytest -q -p no:cacheprovider
rc=$?
# Exit 5 means pytest collected no test: that is a failure for this project.
if [ $rc -ne 0 ]; then status=1; fi
exit $status
