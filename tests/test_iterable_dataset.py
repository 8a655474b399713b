"""IterableDataset column ops, cast, shard, batch and interleave_datasets, compared example by example with the
real `datasets` package (a dev-only dependency)."""
import itertools
import numpy as np
import pytest

from dataset_kit.core import disable_progress_bar
from dataset_kit.features import Features, Value, ClassLabel
from dataset_kit.arrow_dataset import Dataset
from dataset_kit.iterable_dataset import IterableDataset
from dataset_kit.combine import interleave_datasets

disable_progress_bar()
datasets = pytest.importorskip("datasets")
datasets.disable_progress_bars()

def gen(files, n=3):
    for f in files:
        for i in range(n): yield {"f": f, "i": i, "s": f"{f}{i}", "k": i // 2}

FILES = list("abcdefg")
def both(**gen_kwargs):
    kw = {"files": FILES, **gen_kwargs}
    return IterableDataset.from_generator(gen, gen_kwargs=kw), datasets.IterableDataset.from_generator(gen, gen_kwargs=kw)

@pytest.mark.parametrize("op", [
    lambda d: d.remove_columns(["s", "k"]), lambda d: d.remove_columns("i"),
    lambda d: d.rename_column("i", "idx"), lambda d: d.rename_columns({"f": "file", "s": "str"}),
    lambda d: d.select_columns(["s", "f"]), lambda d: d.select_columns("k"),
    lambda d: d.batch(4), lambda d: d.batch(4, drop_last_batch=True), lambda d: d.batch(by_column="k"),
    lambda d: d.batch(batch_size=2, by_column=["f", "k"], drop_last_batch=True),
    lambda d: d.shard(3, 0), lambda d: d.shard(3, 2), lambda d: d.shard(2, 1, contiguous=False), lambda d: d.shard(7, 6),
    lambda d: d.shard(3, 1).map(lambda ex: {"j": ex["i"] * 2}).select_columns(["j", "f"]),
    lambda d: d.filter(lambda ex: ex["i"] != 1).shard(2, 1),
])
def test_ops_match_datasets(op):
    ours, theirs = both()
    assert list(op(ours)) == list(op(theirs))

def test_num_shards_match_datasets():
    ours, theirs = both()
    assert ours.num_shards == theirs.num_shards == 7
    for n, i, c in [(3, 0, True), (3, 2, True), (2, 0, False), (7, 3, True)]:
        assert ours.shard(n, i, c).num_shards == theirs.shard(n, i, c).num_shards
    assert IterableDataset.from_generator(gen, gen_kwargs={"files": "x"}).num_shards == 1

def test_cast_with_features_matches_datasets():
    hf_f = datasets.Features({"f": datasets.Value("string"), "i": datasets.Value("int64"), "s": datasets.Value("string"), "k": datasets.Value("int64")})
    f = Features.from_dict(hf_f.to_dict())
    ours = IterableDataset.from_generator(gen, features=f, gen_kwargs={"files": FILES})
    theirs = datasets.IterableDataset.from_generator(gen, features=hf_f, gen_kwargs={"files": FILES})
    hf_new = datasets.Features({"f": datasets.ClassLabel(names=FILES), "i": datasets.Value("float32"), "s": datasets.Value("string"), "k": datasets.Value("string")})
    new = Features.from_dict(hf_new.to_dict())
    assert list(ours.cast(new)) == list(theirs.cast(hf_new))
    assert ours.cast(new).features.to_dict() == theirs.cast(hf_new).features.to_dict()
    assert ours.batch(3).features.to_dict() == theirs.batch(3).features.to_dict()
    assert ours.rename_column("i", "x").features.to_dict() == theirs.rename_column("i", "x").features.to_dict()

def test_lazy_nothing_read_before_iteration():
    reads = []
    def g(files):
        for f in files: reads.append(f); yield {"f": f}
    ds = IterableDataset.from_generator(g, gen_kwargs={"files": FILES})
    out = ds.shard(3, 1).rename_column("f", "g").cast_column("g", Value("string")).select_columns("g").batch(2)
    assert reads == []
    assert list(out) == [{"g": ["d", "e"]}]
    assert reads == ["d", "e"]

def test_shard_then_set_epoch_changes_shuffle():
    ds = IterableDataset.from_generator(gen, gen_kwargs={"files": FILES}).shuffle(seed=0, buffer_size=4).shard(2, 0)
    first = [ex["s"] for ex in ds]
    ds.set_epoch(1)
    second = [ex["s"] for ex in ds]
    assert sorted(first) == sorted(second) and first != second

# ---- interleave_datasets

def _lists():
    spec = [(0, 3), (10, 4), (20, 5), (30, 1)]
    ours = [Dataset.from_dict({"a": list(range(s, s + n))}) for s, n in spec]
    theirs = [datasets.Dataset.from_dict({"a": list(range(s, s + n))}) for s, n in spec]
    return ours, theirs

STRATS = ["first_exhausted", "all_exhausted", "all_exhausted_without_replacement"]
PROBS = [None, [0.25, 0.25, 0.25, 0.25], [0.5, 0.2, 0.2, 0.1], [0.7, 0.1, 0.2, 0.0]]

@pytest.mark.parametrize("strategy", STRATS)
@pytest.mark.parametrize("probs", PROBS)
@pytest.mark.parametrize("seed", [0, 42])
def test_interleave_map_style_matches_datasets(strategy, probs, seed):
    ours, theirs = _lists()
    if probs is not None and probs[-1] == 0 and strategy == "all_exhausted_without_replacement":
        with pytest.raises(ValueError, match="can never exhaust"):  # datasets loops forever here
            interleave_datasets(ours, probabilities=probs, seed=seed, stopping_strategy=strategy)
        return
    try: expected = list(datasets.interleave_datasets(theirs, probabilities=probs, seed=seed, stopping_strategy=strategy)["a"])
    except ValueError as e:
        with pytest.raises(ValueError): interleave_datasets(ours, probabilities=probs, seed=seed, stopping_strategy=strategy)
        return
    got = interleave_datasets(ours, probabilities=probs, seed=seed, stopping_strategy=strategy)
    assert list(got["a"]) == expected

def _streams(mod, spec=((0, 3), (10, 4), (20, 5), (30, 1))):
    def g(s, n):
        for i in range(s, s + n): yield {"a": i}
    return [mod.IterableDataset.from_generator(g, gen_kwargs={"s": s, "n": n}) for s, n in spec]

@pytest.mark.parametrize("strategy", STRATS)
@pytest.mark.parametrize("probs", PROBS[:3])
@pytest.mark.parametrize("seed", [0, 7])
def test_interleave_iterable_matches_datasets(strategy, probs, seed):
    ours = interleave_datasets(_streams(__import__("dataset_kit.iterable_dataset").iterable_dataset), probabilities=probs, seed=seed, stopping_strategy=strategy)
    theirs = datasets.interleave_datasets(_streams(datasets), probabilities=probs, seed=seed, stopping_strategy=strategy)
    assert list(itertools.islice(ours, 500)) == list(itertools.islice(theirs, 500))

def test_interleave_iterable_aligns_columns_and_is_lazy():
    reads = []
    def g(col, n):
        for i in range(n): reads.append((col, i)); yield {col: i}
    a = IterableDataset.from_generator(g, features=Features({"x": Value("int64")}), gen_kwargs={"col": "x", "n": 2})
    b = IterableDataset.from_generator(g, features=Features({"y": Value("int64")}), gen_kwargs={"col": "y", "n": 2})
    mixed = interleave_datasets([a, b])
    assert reads == [] and mixed.column_names == ["x", "y"]
    assert list(mixed) == [{"x": 0, "y": None}, {"x": None, "y": 0}, {"x": 1, "y": None}]

def test_interleave_dataset_is_index_mapping():
    ours, _ = _lists()
    out = interleave_datasets(ours, stopping_strategy="all_exhausted")
    assert out._indices is not None and out._data.num_rows == sum(len(d) for d in ours)

def test_interleave_errors():
    ours, _ = _lists()
    with pytest.raises(ValueError, match="has at least one split"):
        from dataset_kit.dataset_dict import DatasetDict
        interleave_datasets([DatasetDict({"train": ours[0]})])
    with pytest.raises(ValueError, match="must be non-negative and sum to 1"):
        interleave_datasets(ours, probabilities=[0.5, 0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="is a list"):
        interleave_datasets([ours[0], [1, 2]])

def test_interleave_shuffle_and_shard():
    def g(files):
        for f in files: yield from ({"f": f, "i": i} for i in range(3))
    ours = [IterableDataset.from_generator(g, gen_kwargs={"files": fs}) for fs in (list("abcd"), list("xyz"))]
    theirs = [datasets.IterableDataset.from_generator(g, gen_kwargs={"files": fs}) for fs in (list("abcd"), list("xyz"))]
    mixed = interleave_datasets(ours, stopping_strategy="all_exhausted_without_replacement")
    hf = datasets.interleave_datasets(theirs, stopping_strategy="all_exhausted_without_replacement")
    assert mixed.num_shards == hf.num_shards == 3
    assert list(mixed.shard(3, 1)) == list(hf.shard(3, 1))
    shuffled = mixed.shuffle(seed=3, buffer_size=5)
    assert sorted(map(str, shuffled)) == sorted(map(str, mixed)) and list(shuffled) != list(mixed)
    assert list(shuffled) == list(shuffled)
    p = interleave_datasets(ours, probabilities=[0.3, 0.7], seed=1, stopping_strategy="all_exhausted").shuffle(seed=0, buffer_size=2)
    assert list(p) == list(p) and len(list(p)) >= 21
