"""Nearest-neighbour search: results side by side with `datasets` + faiss-cpu, the batch-by-batch build (no
float32 copy of a float16 column), IVF-PQ trained on a random sample, the sharded build on a Dask LocalCluster,
the LAION embeddings as a new user would search them, and the bad-input errors."""
import os, tracemalloc

import numpy as np
import pytest

faiss = pytest.importorskip("faiss")
faiss.omp_set_num_threads(1)  # pytest -n 2 already keeps both cores busy; faiss' spinning OpenMP threads would fight
import datasets as hf

from dataset_kit import Dataset, Features, List, Value, load_dataset, load_from_disk
from dataset_kit.search import MissingIndex, SearchResults, NearestExamplesResults, BatchedNearestExamplesResults
from dataset_kit.testing.laion import write_laion_source


def unit_vectors(n, d, seed=0, centers=None):
    "L2-normalised float16 vectors, clustered around `centers` random directions if given."
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    if centers: x = rng.standard_normal((centers, d)).astype(np.float32)[rng.integers(0, centers, n)] * 3 + x
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float16)


def resident_kb(path):
    "The resident kB of this process' mappings of `path` (from /proc/self/smaps)."
    out, inside = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            if "-" in line.split()[0]: inside = line.rstrip().endswith(path)
            elif inside and line.startswith("Rss:"): out += int(line.split()[1])
    return out


def both(vectors, **extra):
    "The same columns as a dataset_kit and a `datasets` Dataset (fixed-length float16 vectors)."
    cols = {"emb": vectors.tolist(), "id": list(range(len(vectors))), **extra}
    dk = Dataset.from_dict(cols, features=Features({"emb": List(Value("float16"), length=vectors.shape[1]), "id": Value("int64"),
                                                   **{k: Value("string") for k in extra}}))
    ref = hf.Dataset.from_dict(cols, features=hf.Features({"emb": hf.List(hf.Value("float16"), length=vectors.shape[1]),
                                                           "id": hf.Value("int64"), **{k: hf.Value("string") for k in extra}}))
    return dk, ref


@pytest.fixture(scope="module")
def pair():
    return both(unit_vectors(3000, 32, seed=1), text=[f"row {i}" for i in range(3000)])


# --- the same answers as datasets -----------------------------------------------------------------------------
@pytest.mark.parametrize("metric", [None, faiss.METRIC_INNER_PRODUCT])
def test_flat_results_equal_datasets(pair, metric):
    dk, ref = pair
    dk.add_faiss_index("emb", metric_type=metric, batch_size=700)
    ref.add_faiss_index("emb", metric_type=metric, batch_size=700)
    queries = unit_vectors(20, 32, seed=2).astype(np.float32)
    a, b = dk.search("emb", queries[0], k=7), ref.search("emb", queries[0], k=7)
    assert isinstance(a, SearchResults) and np.array_equal(a.scores, b.scores) and np.array_equal(a.indices, b.indices)
    a, b = dk.search_batch("emb", queries, k=5), ref.search_batch("emb", queries, k=5)
    assert np.array_equal(a.total_scores, b.total_scores) and np.array_equal(a.total_indices, b.total_indices)
    a, b = dk.get_nearest_examples("emb", queries[3], k=4), ref.get_nearest_examples("emb", queries[3], k=4)
    assert isinstance(a, NearestExamplesResults) and np.array_equal(a.scores, b.scores) and a.examples == b.examples
    a, b = dk.get_nearest_examples_batch("emb", queries[:3], k=3), ref.get_nearest_examples_batch("emb", queries[:3], k=3)
    assert isinstance(a, BatchedNearestExamplesResults) and np.array_equal(a.total_scores, b.total_scores)
    assert a.total_examples == b.total_examples
    assert dk.list_indexes() == ref.list_indexes() == ["emb"]
    dk.drop_index("emb"); ref.drop_index("emb")


def test_index_files_interchange_with_datasets(pair, tmp_path):
    dk, ref = pair
    dk.add_faiss_index("emb", index_name="mine")
    dk.save_faiss_index("mine", tmp_path / "dk.faiss")
    ref.load_faiss_index("theirs", tmp_path / "dk.faiss")
    q = unit_vectors(1, 32, seed=5)[0].astype(np.float32)
    assert np.array_equal(ref.search("theirs", q, k=5).indices, dk.search("mine", q, k=5).indices)
    ref.save_faiss_index("theirs", str(tmp_path / "ref.faiss"))
    dk.load_faiss_index("back", str(tmp_path / "ref.faiss"))
    assert np.array_equal(dk.search("back", q, k=5).indices, dk.search("mine", q, k=5).indices)
    for d in (dk, ref):
        for name in d.list_indexes(): d.drop_index(name)


def test_external_arrays_and_dtype_equal_datasets(pair):
    dk, ref = pair
    ext = np.random.default_rng(3).standard_normal((len(dk), 8))
    dk.add_faiss_index_from_external_arrays(ext, "ext"); ref.add_faiss_index_from_external_arrays(ext, "ext")
    dk.add_faiss_index("emb", index_name="half", dtype=np.float16); ref.add_faiss_index("emb", index_name="half", dtype=np.float16)
    assert np.array_equal(dk.search("ext", ext[10], k=3).indices, ref.search("ext", ext[10], k=3).indices)
    q = unit_vectors(3, 32, seed=9)
    assert np.array_equal(dk.search_batch("half", q, k=3).total_scores, ref.search_batch("half", q, k=3).total_scores)
    with pytest.raises(ValueError, match="external_arrays has 5 vectors but the dataset 3000 rows"):
        dk.add_faiss_index_from_external_arrays(ext[:5], "short")
    for d in (dk, ref):
        for name in d.list_indexes(): d.drop_index(name)


# --- built from Arrow, a batch at a time ----------------------------------------------------------------------
@pytest.mark.parametrize("factory,train", [(None, None), ("IVF16,PQ8x4fs", 2000)])
def test_build_never_copies_the_column_to_float32(tmp_path, factory, train):
    vecs = unit_vectors(40_000, 64, seed=4)          # float16: 5 MB; as one float32 copy: 10 MB
    Dataset.from_dict({"emb": vecs}, features=Features({"emb": List(Value("float16"), length=64)})).save_to_disk(str(tmp_path / "d"))
    ds = load_from_disk(str(tmp_path / "d"))         # memory-mapped
    tracemalloc.start()
    try:
        ds.add_faiss_index("emb", string_factory=factory, train_size=train, batch_size=1000)
        _, peak = tracemalloc.get_traced_memory()
    finally: tracemalloc.stop()
    limit = (train or 0) * 64 * 4 + 8 * 1000 * 64 * 4  # the training sample plus a few batches
    assert peak < limit < vecs.size * 4, (peak, limit)
    # and the memory-mapped column does not stay resident: each batch's pages were handed back once converted
    files = [f["filename"] for f in ds.cache_files]
    assert sum(map(resident_kb, files)) * 1024 < vecs.nbytes / 8, (sum(map(resident_kb, files)), vecs.nbytes)
    assert ds.get_index("emb").faiss_index.ntotal == len(ds)
    exact = np.argmax(vecs[:50].astype(np.float32) @ vecs.astype(np.float32).T, axis=1)
    if factory is None: assert np.array_equal(ds.search_batch("emb", vecs[:50], k=1).total_indices[:, 0], exact)


def test_training_sample_is_random_and_seeded():
    # rows sorted by cluster: training on the first rows (as datasets does) would only see cluster 0
    vecs = np.concatenate([unit_vectors(2000, 16, seed=s, centers=1) for s in range(4)])
    ds = Dataset.from_dict({"emb": vecs}, features=Features({"emb": List(Value("float16"), length=16)}))
    queries = vecs[::97].astype(np.float32)
    exact = np.argsort(-(queries @ vecs.astype(np.float32).T), axis=1)[:, :10]
    runs = []
    for _ in range(2):
        ds.add_faiss_index("emb", string_factory="IVF8,Flat", metric_type=faiss.METRIC_INNER_PRODUCT, train_size=400)
        ds.get_index("emb").faiss_index.nprobe = 2
        runs.append(ds.search_batch("emb", queries, k=10).total_indices)
    assert np.array_equal(runs[0], runs[1])               # the seed makes the build reproducible
    recall = np.mean([len(set(r) & set(e)) / 10 for r, e in zip(runs[0], exact)])
    assert recall > 0.9, recall


# --- bad input ------------------------------------------------------------------------------------------------
def test_errors(pair):
    dk, _ = pair
    with pytest.raises(ValueError, match=r"Wrong feature type for column 'text'.*got Arrow type string"):
        dk.add_faiss_index("text")
    with pytest.raises(ValueError, match="Column 'nope' not in the dataset"): dk.add_faiss_index("nope")
    ragged = Dataset.from_dict({"v": [[1.0, 2.0], [3.0], [4.0, 5.0]]})
    with pytest.raises(ValueError, match=r"column 'v'\[0:3\]: row 1 of the batch is not a vector of 2 values"):
        ragged.add_faiss_index("v")
    with pytest.raises(ValueError, match="device=0 asks for a GPU"): dk.add_faiss_index("emb", device=0)
    with pytest.raises(ValueError, match="needs training: pass train_size"): dk.add_faiss_index("emb", string_factory="IVF4,Flat")
    dk.add_faiss_index("emb")
    with pytest.raises(MissingIndex, match=r"Index with index_name 'embb' not initialized.*Current indexes: \['emb'\]"):
        dk.get_nearest_examples("embb", np.zeros(32))
    with pytest.raises(ValueError, match="query has 31 values but index 'emb' holds 32-dimensional vectors"):
        dk.search("emb", np.zeros(31))
    with pytest.raises(ValueError, match=r"Shape of queries must be 2d \(n_queries, 32\)"): dk.search_batch("emb", np.zeros(32))
    with pytest.raises(ValueError, match="k=3001 is more than the 3000 vectors in index 'emb': ask for k <= 3000"):
        dk.get_nearest_examples("emb", np.zeros(32), k=3001)
    with pytest.raises(NotImplementedError, match="no Elasticsearch server is available"): dk.add_elasticsearch_index("text")
    dk.drop_index("emb")


# --- the LAION embeddings, as a new user would search them, and on Dask ---------------------------------------
@pytest.fixture(scope="module")
def laion(tmp_path_factory):
    root = tmp_path_factory.mktemp("laion")
    src = write_laion_source(str(root / "src"), num_shards=4, rows_per_shard=20, num_parts=3, seed=5)
    return src, load_dataset("laion400m", "embeddings", data_dir=src.embeddings_dir, cache_dir=str(root / "cache"), split="train")


def test_laion_text_query_finds_its_image_and_datasets_agrees(laion):
    src, ds = laion
    ds.add_faiss_index("image_embedding")
    txt = src.embeddings("text_emb")
    scores, hits = ds.get_nearest_examples("image_embedding", txt[7].astype(np.float32), k=5)
    assert hits["url"][0] == src.metadata[7]["url"] and len(hits["caption"]) == 5 and np.all(np.diff(scores) >= 0)
    ref = hf.concatenate_datasets([hf.Dataset.from_file(f["filename"]) for f in ds.cache_files])
    ref.add_faiss_index("image_embedding")
    r_scores, r_hits = ref.get_nearest_examples("image_embedding", txt[7].astype(np.float32), k=5)
    assert np.array_equal(scores, r_scores) and r_hits["url"] == hits["url"]
    ds.drop_index("image_embedding")


@pytest.mark.parametrize("factory,train", [(None, None), ("IVF4,Flat", 60)])
def test_sharded_build_on_dask_equals_one_process(dask_client, tmp_path, factory, train):
    vecs = unit_vectors(3000, 24, seed=6)
    Dataset.from_dict({"emb": vecs, "id": np.arange(3000)}, features=Features({"emb": List(Value("float16"), length=24), "id": Value("int64")})
                      ).save_to_disk(str(tmp_path / "d"), num_shards=3)
    ds = load_from_disk(str(tmp_path / "d"))
    assert len(ds.cache_files) == 3
    ds.add_faiss_index_on_dask("emb", dask_client, str(tmp_path / "work"), index_name="dask", string_factory=factory, train_size=train)
    shards = sorted(f for f in os.listdir(tmp_path / "work") if f.startswith("shard-"))
    assert shards == ["shard-00000.faiss", "shard-00001.faiss", "shard-00002.faiss"]
    merged = ds.get_index("dask").faiss_index
    assert merged.ntotal == 3000
    q = vecs[::50].astype(np.float32)
    if factory is None:
        ds.add_faiss_index("emb", index_name="one")
        assert np.array_equal(ds.search_batch("dask", q, k=5).total_indices, ds.search_batch("one", q, k=5).total_indices)
    else:
        merged.nprobe = 4  # all lists: exact within the IVF
        assert np.array_equal(ds.search_batch("dask", q, k=1).total_indices[:, 0], np.arange(0, 3000, 50))
    with pytest.raises(ValueError, match="needs a dataset that is exactly its prepared files"):
        ds.select(range(10)).add_faiss_index_on_dask("emb", dask_client, str(tmp_path / "w2"))
