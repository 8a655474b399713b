"Every notebook in nbs/ is a test file: each runs here as `nbdev_test` runs it, one pytest test per notebook."
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook(name, tmp_path):
    env = {**os.environ, "DATASET_KIT_CACHE": str(tmp_path / "cache"), "MPLBACKEND": "Agg"}
    nbdev_test = Path(sys.executable).parent / "nbdev_test"
    res = subprocess.run([str(nbdev_test), "--path", f"nbs/{name}"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and "Success" in res.stdout, f"{name} failed:\n{res.stdout[-4000:]}\n{res.stderr[-8000:]}"
