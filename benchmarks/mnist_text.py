"""mnist-text-small speed: the codec (single vs batch) and preparing a full-size (70,000-digit) MNIST.

    .venv/bin/python benchmarks/mnist_text.py [--digits 100000] [--repeat 5] [--skip-prepare] [--skip-datasets]

Prints medians. The codec runs on real MNIST digits (the embedded 4,500, tiled). Preparing uses synthetic IDX files of
MNIST's size (60,000 + 10,000 digits) in a temporary folder, prepared with `MnistTextSmall(data_dir=...)`, and the same
work done by a `datasets` GeneratorBasedBuilder that encodes one digit at a time (how the original script worked).
"""
import argparse, gzip, os, statistics, sys, tempfile, time
import numpy as np

from dataset_kit.catalog.mnist_codec import array_to_text, array_to_text_batch, text_to_array, text_to_array_batch
from dataset_kit.catalog.mnist_text_small import EMBEDDED_DIR, MNIST_FILES, idx_bytes, read_idx


def median_time(fn, repeat):
    "Median (wall seconds, CPU seconds of this process) over `repeat` runs; CPU time shows the cost when the machine is busy."
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w); cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def codec(n, repeat):
    real = read_idx(EMBEDDED_DIR / MNIST_FILES["train_images"])
    digits = np.resize(real, (n, 28, 28))
    floats = digits[:2000] / 255
    downs, ups = array_to_text_batch(digits)
    texts = downs[: n // 2] + ups[: n // 2]
    rows = [
        ("encode, single (array_to_text, floats)", 2000, median_time(lambda: [array_to_text(x) for x in floats], repeat), "digits"),
        ("encode, batch (array_to_text_batch, uint8 → lists)", n, median_time(lambda: array_to_text_batch(digits), repeat), "digits"),
        ("encode, batch (→ pyarrow string arrays)", n, median_time(lambda: array_to_text_batch(digits, as_arrow=True), repeat), "digits"),
        ("decode, single (text_to_array)", 2000, median_time(lambda: [text_to_array(t) for t in texts[:2000]], repeat), "texts"),
        ("decode, batch (text_to_array_batch)", n, median_time(lambda: text_to_array_batch(texts), repeat), "texts"),
    ]
    print(f"codec on {n:,} real MNIST digits (median of {repeat}; per wall-clock second / per CPU second):")
    for name, count, (wall, cpu), unit in rows:
        print(f"  {name:<52} {count / wall:>10,.0f} {unit}/s  {count / cpu:>10,.0f} {unit}/CPU-s")
    return rows


def synthetic_mnist(folder, n_train=60_000, n_test=10_000, seed=0):
    "IDX gz files of MNIST's size: real digits, each shifted by up to 2 pixels at random, with their labels."
    rng = np.random.default_rng(seed)
    real = read_idx(EMBEDDED_DIR / MNIST_FILES["train_images"])
    labels = read_idx(EMBEDDED_DIR / MNIST_FILES["train_labels"])
    os.makedirs(folder, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        idx = rng.integers(0, len(real), n)
        imgs, shifts = real[idx], rng.integers(-2, 3, (n, 2))
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                sel = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
                imgs[sel] = np.roll(imgs[sel], (dy, dx), axis=(1, 2))
        for kind, array in (("images", imgs), ("labels", labels[idx])):
            with open(os.path.join(folder, MNIST_FILES[f"{split}_{kind}"]), "wb") as f:
                f.write(gzip.compress(idx_bytes(array), compresslevel=1, mtime=0))


def prepare_dataset_kit(data_dir, cache_dir, num_proc=None, sizes=(60_000, 10_000)):
    from dataset_kit.catalog.mnist_text_small import MnistTextSmall
    from dataset_kit.core import disable_progress_bar
    disable_progress_bar()
    builder = MnistTextSmall(cache_dir=cache_dir, data_dir=data_dir)
    t, c = time.perf_counter(), time.process_time()
    builder.download_and_prepare(num_proc=num_proc)
    ds = builder.as_dataset()
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    assert len(ds["train"]) == 2 * sizes[0] and len(ds["test"]) == 2 * sizes[1], {k: len(v) for k, v in ds.items()}
    return seconds, cpu


def prepare_datasets(data_dir, cache_dir):
    "The same dataset with Hugging Face `datasets`, encoding one digit at a time like the original script."
    import datasets
    datasets.disable_progress_bars()

    class OriginalStyle(datasets.GeneratorBasedBuilder):
        def _info(self):
            return datasets.DatasetInfo(features=datasets.Features(
                {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=[str(i) for i in range(10)])}))

        def _split_generators(self, dl_manager):
            files = {k: os.path.join(data_dir, v) for k, v in MNIST_FILES.items()}
            return [datasets.SplitGenerator(name=s, gen_kwargs={"images": files[f"{s}_images"], "labels": files[f"{s}_labels"]})
                    for s in ("train", "test")]

        def _generate_examples(self, images, labels):
            for i, (img, label) in enumerate(zip(read_idx(images), read_idx(labels))):
                down, up = array_to_text(img / 255)
                yield 2 * i, {"text": down, "label": int(label)}
                yield 2 * i + 1, {"text": up, "label": int(label)}

    builder = OriginalStyle(cache_dir=cache_dir)
    t, c = time.perf_counter(), time.process_time()
    builder.download_and_prepare()
    builder.as_dataset()
    return time.perf_counter() - t, time.process_time() - c


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--digits", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--skip-prepare", action="store_true")
    p.add_argument("--skip-datasets", action="store_true", help="do not run the `datasets` comparison")
    p.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
    args = p.parse_args(argv)
    if args.quick: args.digits, args.repeat = 2_000, 1
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    codec(args.digits, args.repeat)
    if args.skip_prepare: return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "idx")
        t = time.perf_counter()
        n_train, n_test = (1_000, 200) if args.quick else (60_000, 10_000)
        synthetic_mnist(data_dir, n_train, n_test)
        n = n_train + n_test
        print(f"synthetic MNIST IDX files ({n:,} digits) written in {time.perf_counter() - t:.1f} s")
        ours, ours_cpu = prepare_dataset_kit(data_dir, os.path.join(tmp, "cache_dk"), sizes=(n_train, n_test))
        print(f"prepare {n:,} digits → {2 * n:,} rows, dataset_kit: {ours:.2f} s wall, {ours_cpu:.2f} s CPU")
        two, _ = prepare_dataset_kit(data_dir, os.path.join(tmp, "cache_dk2"), num_proc=2, sizes=(n_train, n_test))
        print(f"prepare {n:,} digits → {2 * n:,} rows, dataset_kit with num_proc=2: {two:.2f} s wall")
        if not args.skip_datasets:
            theirs, theirs_cpu = prepare_datasets(data_dir, os.path.join(tmp, "cache_hf"))
            print(f"prepare {n:,} digits → {2 * n:,} rows, datasets (one digit at a time): {theirs:.2f} s wall, "
                  f"{theirs_cpu:.2f} s CPU → dataset_kit is {theirs / ours:.1f}× faster (wall), {theirs_cpu / ours_cpu:.1f}× (CPU)")


if __name__ == "__main__":
    main()
