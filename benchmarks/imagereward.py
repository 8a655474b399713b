"""ImageRewardDB: WebP images/s when preparing the `1k` config from a miniature repository, and when decoding the
images while iterating the prepared train split. The same builder code runs on dataset_kit and on `datasets`
(its source re-bound to `datasets`' classes), in one process, on the same files; medians of `--repeat` runs.

    .venv/bin/python benchmarks/imagereward.py [--size 192] [--prompts 15] [--repeat 3] [--num-proc 1] [--quick]
"""
import argparse, os, shutil, statistics, sys, tempfile, time, warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from dataset_kit.testing.imagereward import write_imagereward_repo
import dataset_kit.catalog.imagereward_db as dk_module
from _rebind import module_on_datasets


def run(mod, root, cache, num_proc):
    b = mod.ImageRewardDB(cache_dir=cache, config_name="1k", data_dir=root)
    t = time.perf_counter()
    b.download_and_prepare(num_proc=num_proc if num_proc > 1 else None)
    prep = time.perf_counter() - t
    n_prep = sum(s.num_examples for s in b.info.splits.values())
    train = b.as_dataset(split="train")
    t = time.perf_counter()
    n = 0
    for row in train:
        row["image"].load(); n += 1
    dec = time.perf_counter() - t
    return n_prep / prep, n / dec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=192, help="image width and height (the real ones are 512)")
    ap.add_argument("--prompts", type=int, default=15, help="prompts per zip part")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--num-proc", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
    a = ap.parse_args()
    if a.quick: a.size, a.prompts, a.repeat = 32, 2, 1
    warnings.simplefilter("ignore")
    import datasets
    datasets.disable_progress_bars()
    import dataset_kit; dataset_kit.disable_progress_bar()
    work = tempfile.mkdtemp()
    t = time.perf_counter()
    repo = write_imagereward_repo(f"{work}/repo", train_parts=4, prompts_per_part=a.prompts, images_per_prompt=(4, 9),
                                  image_size=a.size, seed=0)
    n_img = sum(len(v) for v in repo.records.values())
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(repo.root) for f in fs)
    print(f"miniature: {n_img} webp images {a.size}x{a.size}, {size / 1e6:.1f} MB, written in {time.perf_counter() - t:.1f}s")
    hf = module_on_datasets(dk_module, "imagereward_db_on_datasets")
    res = {"dataset_kit": [], "datasets": []}
    for i in range(a.repeat):
        for name, mod in (("dataset_kit", dk_module), ("datasets", hf)):
            cache = f"{work}/cache-{name}-{i}"
            res[name].append(run(mod, str(repo.root), cache, a.num_proc))
            shutil.rmtree(cache, ignore_errors=True)
    med = {k: (statistics.median(p for p, _ in v), statistics.median(d for _, d in v)) for k, v in res.items()}
    for k, (p, d) in med.items(): print(f"{k:12s} prepare {p:8.0f} images/s   decode while iterating {d:8.0f} images/s")
    print(f"ratio dataset_kit/datasets: prepare {med['dataset_kit'][0] / med['datasets'][0]:.2f}x, "
          f"decode {med['dataset_kit'][1] / med['datasets'][1]:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
