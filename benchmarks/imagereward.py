"""ImageRewardDB: WebP images/s when preparing the `1k` config from a miniature repository, when decoding the
images while iterating the prepared train split, and when streaming the train split over HTTP (a loopback server
with Range support: the zips are read member by member through their central directory, in the original order) —
with the HTTP requests and bytes that costs per image. The same builder code runs on dataset_kit and on `datasets`
(its source re-bound to `datasets`' classes), in one process, on the same files; medians of `--repeat` runs.

    .venv/bin/python benchmarks/imagereward.py [--size 192] [--prompts 15] [--repeat 3] [--num-proc 1] [--quick]

Measured here (2026-12-04, 2 cores, defaults: 779 images 192x192, train zips 27.8 MB for 409 images, 67.9 kB each):
prepare 3,500-4,300 images/s vs 5,300 for `datasets` (0.67-0.82x: the miniature's four small part shards are merged
into one file, a second write; real parts exceed the 500 MB shard size and are renamed, not copied); decode while
iterating 1,110-1,160 vs 1,060-1,070 (1.05-1.08x); stream over HTTP 740 vs 808 images/s on loopback (0.92x, the
same builder code and fsspec underneath). What reading by member costs over HTTP: members come in the JSON list's
order, not the zip's, so with fsspec's default one-block read-ahead cache both libraries fetched 263.7 kB per
67.9 kB image (3.9x the zips, 0.14 GETs an image); the builder now keeps every block it read (`blockcache`), and
both fetch 68.0 kB an image (the zips once, 0.06 GETs an image, 5 MB blocks).
"""
import argparse, os, re, shutil, statistics, sys, tempfile, time, warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from http_server import FaultyHTTPServer
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


def stream(mod, url, cache, server):
    "Images/s streaming the `1k` train split over HTTP, decoding each; the GET requests and bytes it took."
    server.requests.clear()
    b = mod.ImageRewardDB(cache_dir=cache, config_name="1k", data_dir=url)
    t, n = time.perf_counter(), 0
    for row in b.as_streaming_dataset(split="train"):
        row["image"].load(); n += 1
    dt = time.perf_counter() - t
    gets = [(p, h) for m, p, h in server.requests if m == "GET"]
    return n / dt, len(gets) / n, sum(_bytes_asked(server, p, h) for p, h in gets) / n


def _bytes_asked(server, path, headers) -> int:
    "The bytes a GET asked for: its Range, or the whole file."
    size = len(server.files[path][0]) if path in server.files else 0
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", dict(headers).get("Range", "") or "")
    if not m: return size
    if not m.group(1): return min(int(m.group(2)), size)
    return min(int(m.group(2)) + 1 if m.group(2) else size, size) - int(m.group(1))


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
            res[name].append(list(run(mod, str(repo.root), cache, a.num_proc)))
            shutil.rmtree(cache, ignore_errors=True)
    server = FaultyHTTPServer().start()
    for dp, _, fs in os.walk(repo.root):
        for f in fs:
            full = os.path.join(dp, f)
            server.add("/" + os.path.relpath(full, repo.root).replace(os.sep, "/"), open(full, "rb").read())
    url = server.url("").rstrip("/")
    zips = sum(len(d) for p, (d, _) in server.files.items() if p.startswith("/images/train/"))
    for name, mod in (("dataset_kit", dk_module), ("datasets", hf)):  # a warm-up: one-off imports (torch...) not timed
        stream(mod, url, f"{work}/stream-warm-{name}", server)
    for i in range(a.repeat):
        for name, mod in (("dataset_kit", dk_module), ("datasets", hf)):
            cache = f"{work}/stream-{name}-{i}"
            res[name][i] += stream(mod, url, cache, server)
            shutil.rmtree(cache, ignore_errors=True)
    server.stop()
    med = {k: [statistics.median(r[j] for r in v) for j in range(5)] for k, v in res.items()}
    n_train = sum(len(v) for k, v in repo.records.items() if k.startswith("train"))
    print(f"train zips: {zips / 1e6:.1f} MB for {n_train} images ({zips / n_train / 1e3:.1f} kB an image)")
    for k, (p, d, s, req, byt) in med.items():
        print(f"{k:12s} prepare {p:8.0f} images/s   decode while iterating {d:8.0f} images/s   "
              f"stream over HTTP {s:8.0f} images/s ({req:.2f} GETs, {byt / 1e3:.1f} kB an image)")
    dk, hfm = med["dataset_kit"], med["datasets"]
    print(f"ratio dataset_kit/datasets: prepare {dk[0] / hfm[0]:.2f}x, decode {dk[1] / hfm[1]:.2f}x, stream over HTTP {dk[2] / hfm[2]:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
