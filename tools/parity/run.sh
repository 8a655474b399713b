#!/usr/bin/env bash
# `datasets`' own tests of its public API, run against dataset_kit through an import alias (alias.py): prints the pass
# rate of the tests that do not reach into internals (classify.py says how that is decided) and the top failure causes.
# Fetches the `datasets` sdist of the installed version from PyPI (its tests ship there); nothing of it is kept.
#   bash tools/parity/run.sh            # ~3 minutes on 2 cores
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
py=${PYTHON:-$root/.venv/bin/python}
version=$("$py" -c 'import importlib.metadata as m; print(m.version("datasets"))')
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$py" -m pip download "datasets==$version" --no-binary :all: --no-deps -q -d "$work"
tar xzf "$work/datasets-$version.tar.gz" -C "$work"
mkdir "$work/dsh"; touch "$work/dsh/__init__.py"; cp "$here"/{alias,conftest,utils,classify}.py "$work/dsh/"
for f in arrow_dataset dataset_dict dataset_list distributed exceptions info iterable_dataset search splits table version; do
  cp "$work/datasets-$version/tests/test_$f.py" "$work/dsh/"
done
(cd "$work" && "$py" -m pytest -p no:cacheprovider dsh -q -n 2 --junitxml="$work/run.xml" > "$work/pytest.log" 2>&1) || true
echo "datasets $version tests against dataset_kit $("$py" -c 'import dataset_kit; print(dataset_kit.__version__)')"
"$py" "$work/dsh/classify.py" "$work/run.xml" "${TOP:-25}"
cp "$work/run.xml.fails" "${FAILS_OUT:-/tmp/parity-fails.txt}"
