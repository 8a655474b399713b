"Engine regressions: content fingerprints (no stale cache from a shortened repr), workers that die with their driver."
import os, signal, subprocess, sys, time

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from dataset_kit import Dataset   # noqa: E402


def _two_arrays():
    "Two 2,000-element arrays whose reprs are identical (numpy elides the middle) but whose contents differ."
    a = np.arange(2000); b = a.copy(); b[1000] = -7
    assert repr(a) == repr(b)
    return a, b


def test_map_fn_kwargs_arrays_do_not_share_a_cache(tmp_path):
    a, b = _two_arrays()
    Dataset.from_dict({"i": list(range(2000))}).save_to_disk(str(tmp_path / "ds"))
    ds = Dataset.load_from_disk(str(tmp_path / "ds"))
    pick = lambda ex, arr: {"v": int(arr[ex["i"]])}
    first = ds.map(pick, fn_kwargs={"arr": a})
    second = ds.map(pick, fn_kwargs={"arr": b})
    assert first["v"][1000] == 1000 and second["v"][1000] == -7, "the second call returned the first call's cached rows"
    again = ds.map(pick, fn_kwargs={"arr": a.copy()})
    assert again.cache_files[-1]["filename"] == first.cache_files[-1]["filename"], "an identical call should reuse the cache"


def test_filter_fn_kwargs_arrays_do_not_share_a_fingerprint():
    a, b = _two_arrays()
    ds = Dataset.from_dict({"i": list(range(2000))})
    keep = lambda ex, arr: arr[ex["i"]] >= 0
    assert len(ds.filter(keep, fn_kwargs={"arr": a})) == 2000
    assert len(ds.filter(keep, fn_kwargs={"arr": b})) == 1999


def test_from_generator_gen_kwargs_arrays_do_not_share_a_cache(tmp_path):
    a, b = _two_arrays()
    def gen(arr):
        for v in arr: yield {"v": int(v)}
    first = Dataset.from_generator(gen, gen_kwargs={"arr": a}, cache_dir=str(tmp_path))
    second = Dataset.from_generator(gen, gen_kwargs={"arr": b}, cache_dir=str(tmp_path))
    assert first["v"][1000] == 1000 and second["v"][1000] == -7


def test_add_item_fingerprint_by_content():
    a, b = _two_arrays()
    ds = Dataset.from_dict({"x": [a.tolist()]})
    assert ds.add_item({"x": a})._fingerprint != ds.add_item({"x": b})._fingerprint


def _alive(pid):
    try: return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in "ZX"   # a zombie is dead
    except OSError: return False


def _wait_dead(pids, timeout=10):
    deadline = time.time() + timeout
    while any(map(_alive, pids)) and time.time() < deadline: time.sleep(0.05)
    return [p for p in pids if _alive(p)]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_map_num_proc_workers_die_with_a_sigkilled_driver(tmp_path):
    "kill -9 the process running map(num_proc=2): its two workers must not run on as orphans."
    pids = tmp_path / "pids"; pids.mkdir()
    script = (f"import os, sys, time; sys.path.insert(0, {ROOT!r})\n"
              "from dataset_kit import Dataset\n"
              "def slow(ex):\n"
              f"    open(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close(); time.sleep(60); return ex\n"
              "Dataset.from_dict({'x': list(range(4))}).map(slow, num_proc=2)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": ROOT})
    deadline = time.time() + 60
    while len(os.listdir(pids)) < 2 and time.time() < deadline and proc.poll() is None: time.sleep(0.05)
    workers = [int(p) for p in os.listdir(pids)]
    assert len(workers) == 2 and proc.pid not in workers, f"expected 2 worker processes, saw {workers}"
    assert all(map(_alive, workers))
    os.kill(proc.pid, signal.SIGKILL); proc.wait()
    survivors = _wait_dead(workers)
    for p in survivors: os.kill(p, signal.SIGKILL)   # never leave them behind, even when the test fails
    assert survivors == [], f"map workers {survivors} outlived the killed driver"
