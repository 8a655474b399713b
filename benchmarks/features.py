"""Encode / decode throughput of dataset_kit.features vs `datasets` on the same data, in one process.

Table: 100k rows {int64, string, ClassLabel (given as names), Array2D(4, 4) float32}.
  encode: Python column lists -> Arrow table (dataset_kit `Features.encode_to_arrow`; datasets `Dataset.from_dict(features=)`,
          and datasets' `Features.encode_batch` alone, which stops before building any Arrow data)
  decode: Arrow table -> Python columns (`Features.decode_batch(table.to_pydict())` vs `ds[:]`), and
          Arrow table -> numpy (`arrow_to_numpy` per column vs `ds.with_format("numpy")[:]`)
Images: 2k 64x64 RGB PNGs (skipped when dataset_kit.image does not exist yet).
Run: .venv/bin/python benchmarks/features.py [n_rows] [--quick]
"""
import argparse, io, statistics, sys, time
import numpy as np
import datasets
from datasets import Features as HFeatures, Value as HValue, ClassLabel as HClassLabel, Array2D as HArray2D
import dataset_kit.features as dk

datasets.disable_progress_bars()

def median_time(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return statistics.median(times)

def report(what, n, t_dk, t_hf, unit="rows/s"):
    print(f"{what:<34} dataset_kit {n / t_dk:>12,.0f} {unit}   datasets {n / t_hf:>12,.0f} {unit}   ratio {t_hf / t_dk:6.1f}x")

def table_bench(n):
    rng = np.random.default_rng(0)
    names = ["cat", "dog", "bird", "fish"]
    batch = {"id": list(range(n)), "text": [f"sentence number {i}" for i in range(n)],
             "label": [names[i % 4] for i in range(n)],
             "m": list(rng.random((n, 4, 4), dtype=np.float32))}
    fdk = dk.Features({"id": dk.Value("int64"), "text": dk.Value("string"), "label": dk.ClassLabel(names=names),
                       "m": dk.Array2D((4, 4), "float32")})
    fhf = HFeatures({"id": HValue("int64"), "text": HValue("string"), "label": HClassLabel(names=names),
                     "m": HArray2D((4, 4), "float32")})
    t_dk = median_time(lambda: fdk.encode_to_arrow(batch))
    t_hf = median_time(lambda: datasets.Dataset.from_dict(batch, features=fhf), repeat=1)
    report(f"encode {n:,} rows", n, t_dk, t_hf)
    t_hf2 = median_time(lambda: fhf.encode_batch(batch), repeat=1)
    report("  vs datasets encode_batch only", n, t_dk, t_hf2)

    table = fdk.encode_to_arrow(batch)
    ds = datasets.Dataset.from_dict(batch, features=fhf)
    assert ds.data.table.column("label").to_pylist()[:8] == table.column("label").to_pylist()[:8]
    t_dk = median_time(lambda: fdk.decode_batch(table.to_pydict()))
    t_hf = median_time(lambda: ds[:], repeat=1)
    report("decode -> python columns", n, t_dk, t_hf)
    t_dk = median_time(lambda: {k: dk.arrow_to_numpy(table.column(k), f) for k, f in fdk.items()})
    dsn = ds.with_format("numpy")
    t_hf = median_time(lambda: dsn[:], repeat=1)
    report("decode -> numpy columns", n, t_dk, t_hf)

def image_bench(n=2000):
    try: import dataset_kit.image as dki
    except ImportError:
        print("images: skipped (dataset_kit.image not available yet)"); return
    from PIL import Image as PILImage
    rng = np.random.default_rng(0)
    pngs = []
    for _ in range(n):
        buf = io.BytesIO(); PILImage.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "PNG")
        pngs.append(buf.getvalue())
    batch = {"image": [{"bytes": b, "path": None} for b in pngs]}
    fdk = dk.Features({"image": dki.Image()})
    fhf = HFeatures({"image": datasets.Image()})
    t_dk = median_time(lambda: fdk.encode_to_arrow(batch))
    t_hf = median_time(lambda: datasets.Dataset.from_dict(batch, features=fhf), repeat=1)
    report(f"encode {n:,} PNGs", n, t_dk, t_hf, "img/s")
    table = fdk.encode_to_arrow(batch)
    ds = datasets.Dataset.from_dict(batch, features=fhf)
    def dk_decode():
        for im in fdk.decode_column(table.column("image").to_pylist(), "image"): im.load()
    def hf_decode():
        for im in ds[:]["image"]: im.load()
    report(f"decode {n:,} PNGs (pixels loaded)", n, median_time(dk_decode), median_time(hf_decode, repeat=1), "img/s")

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("n_rows", type=int, nargs="?", default=100_000)
    ap.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
    a = ap.parse_args()
    table_bench(2_000 if a.quick else a.n_rows)
    image_bench(50 if a.quick else 2000)
