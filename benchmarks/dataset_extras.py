"""dataset_kit vs datasets on the operations added for parity: batch, class_encode_column, concatenate with
missing columns, to_csv, to_json. Same data, same process; prints seconds and the ratio (datasets / dataset_kit)."""
import argparse, io, time
import numpy as np
import datasets
from dataset_kit.arrow_dataset import Dataset, concatenate_datasets
from dataset_kit.core import disable_progress_bar

disable_progress_bar(); datasets.disable_progress_bars()
ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=200_000)
ap.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
args = ap.parse_args()
N, K = (2_000, 1) if args.quick else (args.rows, 3)
rng = np.random.default_rng(0)
d = {"id": list(range(N)), "cat": rng.choice(["red", "green", "blue", "grey"], N).tolist(), "x": rng.random(N).tolist()}
ours, hf = Dataset.from_dict(d), datasets.Dataset.from_dict(d)

def best(f, k=K):
    ts = []
    for _ in range(k):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)

work = {
    "batch(64)": lambda ds, lib: ds.batch(64),
    "class_encode_column('cat')": lambda ds, lib: ds.class_encode_column("cat"),
    "concatenate (missing columns)": lambda ds, lib: lib([ds, ds.remove_columns(["x"])]),
    "to_csv": lambda ds, lib: ds.to_csv(io.BytesIO()),
    "to_json": lambda ds, lib: ds.to_json(io.BytesIO()),
}
print(f"{N:,} rows")
for name, f in work.items():
    a = best(lambda: f(ours, concatenate_datasets)); b = best(lambda: f(hf, datasets.concatenate_datasets))
    print(f"{name:32s} dataset_kit {a:8.4f}s  datasets {b:8.4f}s  ×{b / a:6.1f}")
