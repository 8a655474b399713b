"""load_dataset('csv' | 'json' | 'parquet' | 'imagefolder') from local files: dataset_kit vs `datasets`, same run.

    .venv/bin/python benchmarks/load_packaged.py [rows] [--quick]

Each library prepares into its own fresh cache (so this times the full read + write of the Arrow cache), then the
ratio of wall times is printed. Median of 3 runs each.
"""
import argparse, json, os, shutil, statistics, sys, tempfile, time
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
import numpy as np, pyarrow as pa, pyarrow.csv as pacsv, pyarrow.parquet as pq
import PIL.Image
import datasets as hf
from dataset_kit.core import disable_progress_bar
from dataset_kit.load import load_dataset

hf.disable_progress_bars(); disable_progress_bar()
ap = argparse.ArgumentParser()
ap.add_argument("rows", type=int, nargs="?", default=1_000_000)
ap.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
args = ap.parse_args()
ROWS, IMAGES, RUNS = (2_000, 40, 1) if args.quick else (args.rows, 2000, 3)
work = tempfile.mkdtemp(prefix="bench-load-")
rng = np.random.default_rng(0)
table = pa.table({"id": np.arange(ROWS), "score": rng.random(ROWS), "label": rng.integers(0, 10, ROWS),
                  "text": pa.array([f"sentence number {i} with some words" for i in range(ROWS)])})
pacsv.write_csv(table, f"{work}/data.csv")
pq.write_table(table, f"{work}/data.parquet")
with open(f"{work}/data.jsonl", "w") as f:
    for r in table.slice(0, min(ROWS, 300_000)).to_pylist(): f.write(json.dumps(r) + "\n")
img_dir = f"{work}/imgs"
for i in range(IMAGES):
    d = f"{img_dir}/{'cat' if i % 2 else 'dog'}"; os.makedirs(d, exist_ok=True)
    PIL.Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(f"{d}/{i}.png")

def timed(fn):
    times = []
    for _ in range(RUNS):
        cache = tempfile.mkdtemp(dir=work)
        t = time.perf_counter(); n = len(fn(cache)); times.append(time.perf_counter() - t)
        shutil.rmtree(cache)
    return statistics.median(times), n

cases = [("csv", dict(data_files=f"{work}/data.csv")), ("json", dict(data_files=f"{work}/data.jsonl")),
         ("parquet", dict(data_files=f"{work}/data.parquet")), ("imagefolder", dict(data_dir=img_dir))]
print(f"{'builder':12} {'rows':>9} {'dataset_kit s':>14} {'datasets s':>11} {'speed-up':>9}")
for name, kw in cases:
    ours, n = timed(lambda c: load_dataset(name, split="train", cache_dir=c, **kw))
    theirs, m = timed(lambda c: hf.load_dataset(name, split="train", cache_dir=c, **kw))
    assert n == m, (name, n, m)
    print(f"{name:12} {n:>9,} {ours:>14.3f} {theirs:>11.3f} {theirs / ours:>8.1f}x")
shutil.rmtree(work)
