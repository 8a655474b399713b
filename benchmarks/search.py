"""Nearest-neighbour search over 512-d float16 embeddings: dataset_kit vs datasets 5.x (+ faiss-cpu), one run.

The data: N synthetic L2-normalised float16 vectors of 512 (a LAION-400M embedding part is ~1 M rows), with
some of CLIP's structure (topics, and within a topic a decaying spectrum), stored as one prepared Arrow file
that both libraries memory-map.

  flat build    add_faiss_index(column) — wall time and peak RSS, each library in its own fresh process
                (medians of --repeat runs, alternating which library goes first; the file is read through before each)
  flat queries  search_batch with batches of 100 queries: queries/s, and whether both return identical results
  IVF-PQ        add_faiss_index(string_factory=..., train_size=...) on dataset_kit: recall@10 against exact search
                (numpy brute force, float32) and queries/s against the flat index

    .venv/bin/python benchmarks/search.py            # 1 M rows (a few minutes, ~6 GB RAM)
    .venv/bin/python benchmarks/search.py --quick    # 20 k rows, seconds
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import numpy as np

D = 512


def make_vectors(n, seed=0, topics=1000, block=100_000):
    "CLIP-like unit vectors: a topic direction plus a noise whose variance decays over a random basis."
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((topics, D)).astype(np.float32)
    basis = np.linalg.qr(rng.standard_normal((D, D)))[0].astype(np.float32)
    spectrum = (1.0 / np.sqrt(np.arange(1, D + 1))).astype(np.float32) * 6
    out = np.empty((n, D), np.float16)
    for a in range(0, n, block):
        m = min(n, a + block) - a
        x = centers[rng.integers(0, topics, m)] + (rng.standard_normal((m, D)).astype(np.float32) * spectrum) @ basis
        out[a:a + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def write_prepared(path, vectors):
    "One Arrow stream file with `datasets`' features metadata: column `emb` = List(float16, 512), `id` int64."
    import pyarrow as pa
    from dataset_kit import Features, List, Value
    features = Features({"id": Value("int64"), "emb": List(Value("float16"), length=D)})
    schema = features.arrow_schema
    with pa.OSFile(path, "wb") as f, pa.ipc.new_stream(f, schema) as w:
        for a in range(0, len(vectors), 50_000):
            v = vectors[a:a + 50_000]
            emb = pa.FixedSizeListArray.from_arrays(pa.array(v.reshape(-1)), D)
            w.write_table(pa.table({"id": pa.array(np.arange(a, a + len(v))), "emb": emb}, schema=schema))


def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024


def child(mode, lib, path, queries_path, out_path, factory, train_size, nprobe, k_factor):
    "Runs in a fresh process: open the file, build the index (and in mode 'query', time queries); prints a JSON line."
    if lib == "dk":
        from dataset_kit import Dataset, disable_progress_bar
    else:
        from datasets import Dataset, disable_progress_bar
    import faiss, tqdm.auto  # imported before timing: both libraries import them on the first index
    disable_progress_bar()
    ds = Dataset.from_file(path)
    base = rss_mb()
    t = time.perf_counter()
    ds.add_faiss_index("emb", string_factory=factory, train_size=train_size)
    out = {"build_s": time.perf_counter() - t, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "base_mb": base}
    if mode == "query":
        index, queries = ds.get_index("emb").faiss_index, np.load(queries_path)
        if factory:
            faiss.extract_index_ivf(index).nprobe = nprobe
            if isinstance(index, faiss.IndexRefine): index.k_factor = k_factor
        ds.search_batch("emb", queries[:100], k=10)  # warm up
        t = time.perf_counter()
        indices = np.concatenate([ds.search_batch("emb", queries[a:a + 100], k=10).total_indices for a in range(0, len(queries), 100)])
        out["qps"] = len(queries) / (time.perf_counter() - t)
        np.save(out_path, indices)
    print(json.dumps(out))


def run_child(*args):
    "One measurement in a fresh process, the data file read through first (both libraries start from a warm page cache)."
    with open(args[2], "rb") as f:
        while f.read(1 << 24): pass
    out = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], capture_output=True, text=True)
    if out.returncode: sys.exit(f"child {args[:2]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def exact_top10(vectors, queries, block=200_000):
    "The exact top 10 by L2 distance (= by cosine: unit vectors), with numpy in float32, block by block."
    best_s, best_i = np.full((len(queries), 10), -np.inf, np.float32), np.zeros((len(queries), 10), np.int64)
    for a in range(0, len(vectors), block):
        s = queries @ vectors[a:a + block].astype(np.float32).T
        top = np.argpartition(-s, 9, axis=1)[:, :10]
        s_all, i_all = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1), np.concatenate([best_i, top + a], 1)
        keep = np.argsort(-s_all, axis=1)[:, :10]
        best_s, best_i = np.take_along_axis(s_all, keep, 1), np.take_along_axis(i_all, keep, 1)
    return best_i


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="20k rows, 500 queries, a small IVF (seconds)")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--ivf", default="IVF1024,PQ64x4fs,Refine(SQfp16)",
                   help="the IVF-PQ string_factory (4-bit fast-scan PQ, hits re-ranked on float16 copies of the vectors)")
    p.add_argument("--train-size", type=int, default=64_000)
    p.add_argument("--nprobe", type=int, default=64)
    p.add_argument("--k-factor", type=int, default=64, help="candidates re-ranked per hit (Refine indexes)")
    p.add_argument("--repeat", type=int, default=3, help="flat builds per library (medians; alternating order)")
    p.add_argument("--child", nargs=9, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        mode, lib, path, qpath, out, factory, train, nprobe, kf = a.child
        return child(mode, lib, path, qpath, out, factory if factory != "-" else None, int(train) if train != "-" else None, int(nprobe), int(kf))
    if a.quick: a.rows, a.queries, a.ivf, a.train_size, a.nprobe, a.repeat = 20_000, 300, "IVF64,PQ64x4fs,Refine(SQfp16)", 5000, 16, 1
    tmp = tempfile.mkdtemp(prefix="bench_search_")
    t = time.perf_counter()
    vectors = make_vectors(a.rows)
    path, qpath = os.path.join(tmp, "emb.arrow"), os.path.join(tmp, "queries.npy")
    write_prepared(path, vectors)
    # queries: perturbed rows of the data (a query near something, as a caption is near its image)
    rng = np.random.default_rng(1)
    q = vectors[rng.choice(a.rows, a.queries, replace=False)].astype(np.float32) + rng.standard_normal((a.queries, D)).astype(np.float32) * 0.02
    np.save(qpath, (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32))
    print(f"{a.rows:,} vectors of {D} float16 ({os.path.getsize(path) / 2**20:.0f} MB file), {a.queries} queries; "
          f"data written in {time.perf_counter() - t:.1f} s")

    runs = {"dk": [], "hf": []}
    for r in range(a.repeat):
        for lib in (("dk", "hf") if r % 2 == 0 else ("hf", "dk")):
            runs[lib].append(run_child("query" if r == 0 else "build", lib, path, qpath, os.path.join(tmp, f"{lib}.npy"), "-", "-", 1, 1))
    dk, hf = ({k: statistics.median(run[k] for run in runs[lib] if k in run) for k in runs[lib][0]} for lib in ("dk", "hf"))
    same = np.array_equal(np.load(os.path.join(tmp, "dk.npy")), np.load(os.path.join(tmp, "hf.npy")))
    print(f"flat build times (s): dataset_kit {[round(x['build_s'], 2) for x in runs['dk']]}, datasets {[round(x['build_s'], 2) for x in runs['hf']]}")
    print(f"flat build:    dataset_kit {dk['build_s']:.2f} s, datasets {hf['build_s']:.2f} s  -> {hf['build_s'] / dk['build_s']:.1f}x faster")
    print(f"flat peak RSS: dataset_kit {dk['peak_mb']:.0f} MB (+{dk['peak_mb'] - dk['base_mb']:.0f} while building), "
          f"datasets {hf['peak_mb']:.0f} MB (+{hf['peak_mb'] - hf['base_mb']:.0f})  -> ratio {dk['peak_mb'] / hf['peak_mb']:.2f} "
          f"(build increment ratio {(dk['peak_mb'] - dk['base_mb']) / (hf['peak_mb'] - hf['base_mb']):.2f})")
    print(f"flat queries:  dataset_kit {dk['qps']:.0f} q/s, datasets {hf['qps']:.0f} q/s (batches of 100); identical results: {same}")

    ivf = run_child("query", "dk", path, qpath, os.path.join(tmp, "ivf.npy"), a.ivf, a.train_size, a.nprobe, a.k_factor)
    exact = exact_top10(vectors, np.load(qpath))
    got = np.load(os.path.join(tmp, "ivf.npy"))
    recall = np.mean([len(set(g) & set(e)) / 10 for g, e in zip(got, exact)])
    print(f"IVF-PQ {a.ivf} (train_size={a.train_size}, nprobe={a.nprobe}, k_factor={a.k_factor}): built in {ivf['build_s']:.1f} s, "
          f"peak RSS {ivf['peak_mb']:.0f} MB; recall@10 {recall:.3f}; {ivf['qps']:.0f} q/s = {ivf['qps'] / dk['qps']:.1f}x flat")
    flat_exact = np.mean([len(set(g) & set(e)) / 10 for g, e in zip(np.load(os.path.join(tmp, "dk.npy")), exact)])
    print(f"(flat recall@10 against numpy: {flat_exact:.3f})")
    import shutil; shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
