"""Dataset read/transform speed: dataset_kit vs `datasets` vs raw pyarrow, on the same file, in one run.

    .venv/bin/python benchmarks/dataset.py            # 1M rows (about 2 minutes)
    .venv/bin/python benchmarks/dataset.py --rows 100000

Table: {id: int64, text: 200-char string, label: ClassLabel(10), arr: Array2D((4, 4), float32)}.
Workloads (the issue's list): iterate rows as dicts; `ds[i:i+1000]` batches with numpy format; 10,000 random
`ds[i]`; `map(batched=True)` adding a column; opening the dataset from disk (time and resident memory); and each
read done with raw pyarrow. `datasets` is slow at per-row work, so its iteration is timed on a prefix and
reported as a rate. Every figure is the median CPU time (process_time) of `--repeat` runs, the libraries run
round-robin: on a shared machine wall time mostly measures the neighbours.

Measured 2026-11-25 (1M rows, 290 MiB; datasets 5.2.0, pyarrow 26.0.1):

| workload | dataset_kit | datasets | raw pyarrow | vs datasets | share of pyarrow speed |
|---|---|---|---|---|---|
| open 1/10 (ms) | 1.16 | 4.04 | 0.988 | 3.5x | 0.85 |
| open full (ms) | 4.97 | 8.73 | 4.58 | 1.8x | 0.92 |
| open full, 1000-row batches (ms) | 24.7 | 33.7 | 21.6 | 1.4x | 0.87 |
| iterate rows as dicts (rows/s) | 163,000 | 3,680 | 163,000 | 44.3x | 1.00 |
| numpy batch ds[i:i+1000] (us) | 471 | 3,530 | 512 | 7.5x | 1.09 |
| random ds[i] (us) | 12.1 | 305 | 38.1 | 25.3x | 3.16 |
| map batched +column, 200,000 rows (s) | 0.0763 | 0.407 | 0.063 | 5.3x | 0.83 |

Opening allocates 0.0 MiB (the file is memory-mapped) in all three.
"""
import argparse, gc, os, shutil, statistics, sys, tempfile, time
import numpy as np
import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from dataset_kit.core import disable_progress_bar
from dataset_kit.features import Features, Value, ClassLabel, Array2D
from dataset_kit.arrow_writer import ArrowWriter
from dataset_kit.arrow_dataset import Dataset as DkDataset

def mem_mb() -> tuple:
    "(anonymous resident MiB, total resident MiB): mapped file pages count in the second only."
    vals = {}
    with open("/proc/self/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("RssAnon", "VmRSS"): vals[k] = int(v.split()[0]) / 1024
    return vals["RssAnon"], vals["VmRSS"]

def _clock():
    # CPU time of this process: the machine is shared, and wall time there measures the neighbours too
    return time.process_time()

def median_time(fn, repeat):
    ts = []
    for _ in range(repeat):
        gc.collect(); t = _clock(); fn(); ts.append(_clock() - t)
    return statistics.median(ts)

def compare(fns:list, repeats:list) -> list:
    "Median CPU seconds of each fn, the fns run round-robin (so load changes hit them alike)."
    ts = [[] for _ in fns]
    for r in range(max(repeats)):
        for k, (fn, rep) in enumerate(zip(fns, repeats)):
            if r < rep:
                gc.collect(); t = _clock(); fn(); ts[k].append(_clock() - t)
    return [statistics.median(t) for t in ts]

FEATURES = Features({"id": Value("int64"), "text": Value("string"), "label": ClassLabel(num_classes=10),
                     "arr": Array2D(shape=(4, 4), dtype="float32")})

def make_file(path, n, chunk=100_000):
    rng = np.random.default_rng(0)
    with ArrowWriter(path, features=FEATURES) as w:
        for s in range(0, n, chunk):
            m = min(chunk, n - s)
            data = rng.integers(97, 123, size=m * 200, dtype=np.uint8).tobytes()
            text = pa.StringArray.from_buffers(m, pa.py_buffer((np.arange(m + 1, dtype=np.int32) * 200).tobytes()), pa.py_buffer(data))
            w.write_batch({"id": np.arange(s, s + m), "text": text, "label": rng.integers(0, 10, m),
                           "arr": rng.random((m, 4, 4), dtype=np.float32)})

def raw_open(path): return pa.ipc.open_stream(pa.memory_map(path)).read_all()

def raw_iter(table, limit):
    n = 0
    for start in range(0, min(limit, table.num_rows), 1000):
        t = table.slice(start, min(1000, limit - start))
        cols = [(c.combine_chunks().storage if isinstance(c.type, pa.ExtensionType) else c).to_pylist() for c in t.columns]
        names = t.column_names
        for vals in zip(*cols): n += 1; dict(zip(names, vals))
    return n

def raw_numpy_batch(table, i):
    t = table.slice(i, 1000)
    out = {}
    for name, col in zip(t.column_names, t.columns):
        arr = col.combine_chunks()
        if isinstance(arr.type, pa.ExtensionType): arr = arr.storage
        if pa.types.is_list(arr.type) or pa.types.is_fixed_size_list(arr.type):
            out[name] = arr.flatten().flatten().to_numpy().reshape(len(arr), 4, 4)
        else: out[name] = arr.to_numpy(zero_copy_only=False)
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--hf-iter-rows", type=int, default=20_000, help="rows `datasets` iterates (it is slow)")
    ap.add_argument("--map-rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
    args = ap.parse_args()
    if args.quick: args.rows, args.hf_iter_rows, args.map_rows, args.repeat = 5_000, 500, 2_000, 1
    disable_progress_bar()
    import datasets
    datasets.disable_progress_bars(); datasets.disable_caching()
    tmp = tempfile.mkdtemp(prefix="dk-bench-")
    path, small = os.path.join(tmp, "data.arrow"), os.path.join(tmp, "small.arrow")
    t = time.perf_counter(); make_file(path, args.rows); make_file(small, args.rows // 10)
    hf_layout = os.path.join(tmp, "hf_layout.arrow")  # the same rows in 1,000-row record batches, as `datasets` writes them
    tb = raw_open(path)
    with pa.OSFile(hf_layout, "wb") as f, pa.ipc.new_stream(f, tb.schema) as w: w.write_table(tb, max_chunksize=1000)
    del tb
    print(f"# {args.rows:,} rows written in {time.perf_counter() - t:.1f}s ({os.path.getsize(path) / 2**20:.0f} MiB); "
          f"datasets {datasets.__version__}, pyarrow {pa.__version__}")
    rows, R = [], args.repeat
    def report(name, dk, hf, raw, unit, higher_better=False):
        ratio = (dk / hf if higher_better else hf / dk) if hf else float("nan")
        vs_raw = (dk / raw if higher_better else raw / dk) if raw else float("nan")
        rows.append((name, dk, hf, raw, unit, ratio, vs_raw))
        print(f"{name:<34} dataset_kit {dk:>12,.3f} | datasets {hf:>12,.3f} | pyarrow {raw:>12,.3f} {unit:<8} "
              f"| {ratio:6.1f}x datasets | {vs_raw:5.2f} of pyarrow speed", flush=True)

    # opening: time and resident memory
    def open_dk(p): return DkDataset.from_file(p)
    def open_hf(p): return datasets.Dataset.from_file(p)
    for label, p in (("open 1/10 (ms)", small), ("open full (ms)", path), ("open full, 1000-row batches (ms)", hf_layout)):
        a, b, c = compare([lambda: open_dk(p), lambda: open_hf(p), lambda: raw_open(p)], [5 * R] * 3)
        report(label, a * 1e3, b * 1e3, c * 1e3, "ms")
    for label, opener in (("dataset_kit", open_dk), ("datasets", open_hf), ("pyarrow", raw_open)):
        gc.collect(); a0, r0 = mem_mb(); keep = opener(path); a1, r1 = mem_mb(); del keep; gc.collect()
        print(f"{'open full: memory added':<34} {label:<12} {a1 - a0:6.1f} MiB allocated, {r1 - r0:6.1f} MiB resident incl. "
              f"mapped file pages (file {os.path.getsize(path) / 2**20:.0f} MiB)")

    dk, hf, raw = open_dk(path), open_hf(path), raw_open(path)
    n = len(dk)
    assert len(hf) == n and dk[5] ["text"] == hf[5]["text"] == raw.slice(5, 1).to_pylist()[0]["text"]

    # iteration as dicts (rows/s)
    def it(ds, limit):
        k = 0
        for ex in ds:
            k += 1
            if k >= limit: break
        return k
    hf_rows = min(n, args.hf_iter_rows)
    a, b, c = compare([lambda: it(dk, n), lambda: it(hf, hf_rows), lambda: raw_iter(raw, n)], [R, 1, R])
    dk_rate, hf_rate, raw_rate = n / a, hf_rows / b, n / c
    report("iterate rows as dicts (rows/s)", dk_rate, hf_rate, raw_rate, "rows/s", higher_better=True)

    # numpy batches ds[i:i+1000]
    rng = np.random.default_rng(1)
    starts = rng.integers(0, n - 1000, 20 if args.quick else 200)
    dkn, hfn = dk.with_format("numpy"), hf.with_format("numpy")
    a, b, c = compare([lambda: [dkn[int(i):int(i) + 1000] for i in starts], lambda: [hfn[int(i):int(i) + 1000] for i in starts[:50]],
                       lambda: [raw_numpy_batch(raw, int(i)) for i in starts]], [R, 1, R])
    b_dk, b_hf, b_raw = a / len(starts) * 1e6, b / len(starts[:50]) * 1e6, c / len(starts) * 1e6
    assert dkn[0:1000]["arr"].shape == (1000, 4, 4)
    report("numpy batch ds[i:i+1000] (us)", b_dk, b_hf, b_raw, "us/batch")

    # random access
    idx = rng.integers(0, n, 1_000 if args.quick else 10_000)
    cols = {c: raw.column(c) for c in raw.column_names}   # plain pyarrow: one scalar per column, or a one-row slice
    a, b, c, d = compare([lambda: [dk[int(i)] for i in idx], lambda: [hf[int(i)] for i in idx],
                          lambda: [{c: col[int(i)].as_py() for c, col in cols.items()} for i in idx],
                          lambda: [raw.slice(int(i), 1).to_pylist()[0] for i in idx[:1000]]], [R, 1, R, R])
    r_dk, r_hf, r_raw = a / len(idx) * 1e6, b / len(idx) * 1e6, min(c, d * 10) / len(idx) * 1e6
    report("random ds[i] (us)", r_dk, r_hf, r_raw, "us/row")

    # map(batched=True) adding a column, on the first --map-rows rows
    m = min(n, args.map_rows)
    fn = lambda b: {"n_chars": [len(t) for t in b["text"]]}
    dks, hfs = dk.select(range(m)), hf.select(range(m))
    # datasets' default writes a cache file (with caching off, a temporary one); so does dataset_kit
    mp_dk, mp_hf = compare([lambda: dks.map(fn, batched=True, load_from_cache_file=False), lambda: hfs.map(fn, batched=True)], [R, R])
    def raw_map():
        sink = pa.BufferOutputStream()
        sub = raw.slice(0, m)
        schema = sub.schema.append(pa.field("n_chars", pa.int64()))
        with pa.ipc.new_stream(sink, schema) as w:
            for s in range(0, m, 1000):
                t = sub.slice(s, 1000)
                w.write_table(t.append_column("n_chars", pa.array(fn({"text": t.column("text").to_pylist()})["n_chars"], pa.int64())))
        return sink.getvalue()
    mp_raw = median_time(raw_map, R)
    report(f"map batched +column, {m:,} rows (s)", mp_dk, mp_hf, mp_raw, "s")

    print("\n| workload | dataset_kit | datasets | raw pyarrow | vs datasets | share of pyarrow speed |\n|---|---|---|---|---|---|")
    for name, a, b, c, unit, ratio, vr in rows:
        print(f"| {name} | {a:,.3g} | {b:,.3g} | {c:,.3g} | {ratio:.1f}× | {vr:.2f} |")
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__": main()
