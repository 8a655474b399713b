"""LAION-400M: rows/s preparing the `images` and `embeddings` configs from miniature sources of the real layouts,
on dataset_kit and on `datasets` (the same builder source re-bound to `datasets`' classes, same files, one
process), and the scaling of dataset_kit from 1 to 2 Dask workers (LocalCluster, one process per worker,
started before timing). Medians of `--repeat` runs.

    .venv/bin/python benchmarks/laion.py [--shards 16] [--rows 1000] [--size 256] [--parts 4] [--part-rows 100000] [--repeat 3] [--quick]
"""
import argparse, os, shutil, statistics, sys, tempfile, time, warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import numpy as np
from dataset_kit.testing.laion import (write_image_shard, write_embedding_part, sample_rows, clip_like_embeddings,
                                      jpeg_bytes, SUBJECTS, EMBEDDING_METADATA_COLUMNS)
import dataset_kit.catalog.laion400m as dk_module
from _rebind import module_on_datasets

# datasets patches the module's `np.load` for streaming (xnumpy_load hands np.load a file object, which cannot be
# memory-mapped): call the function np.load(mmap_mode="r") calls, by its own name
OPEN_MEMMAP = (r'np\.load\(([^()]*(?:\([^()]*\))?[^()]*), mmap_mode="r"\)', r'np.lib.format.open_memmap(\1, mode="r")')


def write_images(root, shards, rows, size, seed=0):
    "img2dataset shards of `rows` input rows each (~80% succeed); the JPEGs come from a pool (writing is slow)."
    rng = np.random.default_rng(seed)
    pool = [jpeg_bytes(SUBJECTS[i % len(SUBJECTS)][1], size, size, seed=i, quality=95) for i in range(64)]
    n = 0
    for s in range(shards):
        meta, _ = sample_rows(s, rows, rng, image_size=(size, size))
        ok = [r["key"] for r in meta if r["status"] == "success"]
        write_image_shard(root, s, meta, {k: pool[i % len(pool)] for i, k in enumerate(ok)})
        n += len(ok)
    return n


def write_embeddings(root, parts, rows, seed=0):
    "Embedding parts of `rows` rows (metadata rows repeat a 10,000-row sample)."
    rng = np.random.default_rng(seed)
    for i in range(parts):
        meta, subjects = sample_rows(i, min(rows, 9999), rng, failure_rate=0.0)
        meta = [{c: m.get(c) for c in EMBEDDING_METADATA_COLUMNS} for m in meta]
        meta = (meta * (rows // len(meta) + 1))[:rows]; subjects = (subjects * (rows // len(subjects) + 1))[:rows]
        img, txt = clip_like_embeddings(subjects, rng)
        write_embedding_part(root, i, meta, img, txt)


def prepare(mod, config, data_dir, work, **kw):
    out = tempfile.mkdtemp(dir=work)
    b = mod.Laion400m(config_name=config, data_dir=data_dir, cache_dir=out)
    t = time.perf_counter()
    b.download_and_prepare(os.path.join(out, "ds"), **kw)
    dt = time.perf_counter() - t
    n = b.info.splits["train"].num_examples
    shutil.rmtree(out, ignore_errors=True)
    return n, n / dt


def median_rate(fn, repeat):
    runs = [fn() for _ in range(repeat)]
    return runs[0][0], statistics.median(r for _, r in runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", type=int, default=16, help="image shards")
    ap.add_argument("--rows", type=int, default=1000, help="input rows per image shard (~80%% succeed)")
    ap.add_argument("--size", type=int, default=256, help="JPEG width and height (img2dataset's default 256)")
    ap.add_argument("--parts", type=int, default=4, help="embedding parts")
    ap.add_argument("--part-rows", type=int, default=100_000, help="rows per embedding part")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-datasets", action="store_true")
    ap.add_argument("--dask-only", action="store_true", help="only the Dask scaling")
    ap.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
    a = ap.parse_args()
    if a.quick: a.shards, a.rows, a.size, a.parts, a.part_rows, a.repeat = 2, 20, 32, 2, 300, 1
    warnings.simplefilter("ignore")
    import dataset_kit; dataset_kit.disable_progress_bar()
    work = tempfile.mkdtemp()
    t = time.perf_counter()
    img_dir, emb_dir, emb1 = f"{work}/images", f"{work}/emb", f"{work}/emb1"
    n_img = write_images(img_dir, a.shards, a.rows, a.size)
    write_embeddings(emb_dir, a.parts, a.part_rows)
    for sub, name in (("img_emb", "img_emb_0.npy"), ("text_emb", "text_emb_0.npy"), ("metadata", "metadata_0.parquet")):
        os.makedirs(f"{emb1}/{sub}"); os.symlink(f"{emb_dir}/{sub}/{name}", f"{emb1}/{sub}/{name}")
    img_mb = sum(os.path.getsize(os.path.join(img_dir, f)) for f in os.listdir(img_dir)) / 1e6
    print(f"miniature: {a.shards} image shards, {n_img} JPEGs {a.size}x{a.size}, {img_mb:.1f} MB; "
          f"{a.parts} embedding parts x {a.part_rows} rows; written in {time.perf_counter() - t:.1f}s")
    sources = {"images": img_dir, "embeddings": emb_dir}
    res = {}
    libs = [("dataset_kit", dk_module)]
    if a.dask_only: a.skip_datasets = True
    if not a.skip_datasets:
        import datasets; datasets.disable_progress_bars()
        libs.append(("datasets", module_on_datasets(dk_module, "laion400m_on_datasets", OPEN_MEMMAP)))
    for config, data_dir in ([] if a.dask_only else sources.items()):
        for name, mod in libs:
            # datasets prepares embeddings row by row at a few thousand rows/s: give it one part, run once
            slow = name == "datasets" and config == "embeddings"
            for np_ in (None, 2):
                n, r = median_rate(lambda: prepare(mod, config, emb1 if slow else data_dir, work, num_proc=np_),
                                   1 if slow else a.repeat)
                res[(config, name, np_)] = r
                print(f"{config:10s} {name:12s} num_proc={str(np_):4s} {r:9.0f} rows/s   ({n} rows)", flush=True)
    from distributed import LocalCluster, Client
    for workers in ((1,) if a.quick else (1, 2)):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl, Client(cl) as c:
            prepare(dk_module, "embeddings", emb_dir, work, dask_client=c)  # warm the workers up (imports)
            cpu = lambda: sum(c.run(time.process_time).values())  # CPU seconds used by the worker processes
            for config, data_dir in sources.items():
                runs = []
                for _ in range(a.repeat):
                    c0 = cpu(); n, r = prepare(dk_module, config, data_dir, work, dask_client=c)
                    runs.append((r, n / (cpu() - c0)))
                r, per_cpu = statistics.median(x for x, _ in runs), statistics.median(y for _, y in runs)
                res[(config, "dask", workers)] = r
                print(f"{config:10s} dask {workers} worker(s)          {r:9.0f} rows/s wall, {per_cpu:9.0f} rows per "
                      f"worker-CPU-second (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", flush=True)
    for config in sources:
        line = f"{config}: dask 2 workers / 1 worker = {res[(config, 'dask', 2)] / res[(config, 'dask', 1)]:.2f}x" \
            if (config, "dask", 2) in res else f"{config}:"
        if (config, "datasets", None) in res:
            line += (f"; dataset_kit/datasets inline {res[(config, 'dataset_kit', None)] / res[(config, 'datasets', None)]:.2f}x"
                     f", num_proc=2 {res[(config, 'dataset_kit', 2)] / res[(config, 'datasets', 2)]:.2f}x")
        print(line)
    shard_rows = n_img / a.shards
    r1 = res[("images", "dask", 1)]
    print(f"per shard: {shard_rows:.0f} images, {img_mb / a.shards:.1f} MB at {r1:.0f} rows/s = {shard_rows / r1:.3f} s per "
          f"worker; a real shard (~8,000 images, ~270 MB) at this rate: {8000 / r1:.2f} s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
