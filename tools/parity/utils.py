import contextlib, importlib.util, os, tempfile
import pyarrow as pa, pytest

def _require(mod):
    return pytest.mark.skipif(importlib.util.find_spec(mod) is None, reason=f"needs {mod}")
require_jax, require_pil, require_polars, require_pyspark = (_require(m) for m in ("jax", "PIL", "polars", "pyspark"))
require_sqlalchemy, require_tf, require_torch, require_transformers = (_require(m) for m in ("sqlalchemy", "tensorflow", "torch", "transformers"))
require_elasticsearch, require_faiss = _require("elasticsearch"), _require("faiss")
require_torchdata_stateful_dataloader = _require("torchdata")
require_dill_gt_0_3_2 = require_not_windows = require_numpy1_on_windows = lambda f: f
slow = pytest.mark.skip(reason="slow")

@contextlib.contextmanager
def assert_arrow_memory_increases():
    before = pa.total_allocated_bytes(); yield
    assert pa.total_allocated_bytes() - before > 0, "Arrow memory didn't increase."

@contextlib.contextmanager
def assert_arrow_memory_doesnt_increase():
    before = pa.total_allocated_bytes(); yield
    assert pa.total_allocated_bytes() - before <= 0, "Arrow memory wasn't expected to increase."

@contextlib.contextmanager
def set_current_working_directory_to_temp_dir(*a, **k):
    old = os.getcwd()
    with tempfile.TemporaryDirectory(*a, **k) as d:
        os.chdir(d)
        try: yield
        finally: os.chdir(old)

def push_parquet_shards_offline(*a, **k): raise RuntimeError("hub: internal")
def execute_subprocess_async(*a, **k): raise RuntimeError("subprocess launcher: internal")
def get_torch_dist_unique_port(): return 29500
