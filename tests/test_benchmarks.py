"Every benchmark runs in `--quick` mode (seconds, tiny data), on dataset_kit and on `datasets`, and prints its ratios."
import os, subprocess, sys, time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))


def test_there_are_benchmarks():
    assert len(SCRIPTS) >= 10, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_quick(script, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_OFFLINE")}   # offline mode also refuses 127.0.0.1,
    env.update(PYTHONPATH=str(ROOT), DATASET_KIT_CACHE=str(tmp_path / "dk"), HF_HOME=str(tmp_path / "hf"),  # where
               MPLBACKEND="Agg", TQDM_DISABLE="1")   # download.py serves its files; the scripts read only local files
    t = time.perf_counter()
    res = subprocess.run([sys.executable, f"benchmarks/{script}", "--quick"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    out = res.stdout
    assert res.returncode == 0, f"benchmarks/{script} --quick failed:\n{out[-2000:]}\n{res.stderr[-4000:]}"
    assert "datasets" in out and "dataset_kit" in out, f"benchmarks/{script} --quick should compare both libraries:\n{out}"
    print(f"{script}: {time.perf_counter() - t:.1f} s")
