"Framework formats (torch, jax, tensorflow, polars), side by side with `datasets`."
import numpy as np, pytest, PIL.Image
import datasets as hf
import torch
import dataset_kit as dk

ROWS = {"i": [1, 2, 3], "f": [0.5, 1.5, 2.5], "s": ["a", "bb", "c"], "arr": [np.eye(2) * k for k in range(3)],
        "seq": [[1, 2], [3], [4, 5, 6]], "fixed": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "lab": [0, 1, 0]}

def _features(lib):
    return lib.Features({"i": lib.Value("int32"), "f": lib.Value("float64"), "s": lib.Value("string"),
                         "arr": lib.Array2D((2, 2), "float32"), "seq": lib.List(lib.Value("int64")),
                         "fixed": lib.List(lib.Value("float64"), length=2), "lab": lib.ClassLabel(names=["n", "p"])})

@pytest.fixture(scope="module")
def both():
    return dk.Dataset.from_dict(ROWS, features=_features(dk)), hf.Dataset.from_dict(ROWS, features=_features(hf))

def _same(a, b):
    "Equal values with the same container types, dtypes and shapes."
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict): assert list(a) == list(b); [_same(a[k], b[k]) for k in a]
    elif isinstance(a, list): assert len(a) == len(b); [_same(x, y) for x, y in zip(a, b)]
    elif isinstance(a, torch.Tensor): assert (a.dtype, a.shape) == (b.dtype, b.shape) and torch.equal(a, b), (a, b)
    elif hasattr(a, "dtype") and hasattr(a, "shape"):  # jax / tf arrays
        assert (str(a.dtype), tuple(a.shape)) == (str(b.dtype), tuple(b.shape)); np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    else: assert a == b

@pytest.mark.parametrize("fmt", ["torch", "pt", "jax"])
def test_rows_slices_columns_like_datasets(both, fmt):
    d, h = (x.with_format(fmt) for x in both)
    _same(d[0], h[0]); _same(d[1:3], h[1:3]); _same(d[[2, 0]], h[[2, 0]])
    for c in ROWS: _same(d[c][:], h[c][:])

def test_torch_format_kwargs_dtype(both):
    d, h = (x.with_format("torch", dtype=torch.float16) for x in both)
    _same(d[:2], h[:2])
    with both[0].formatted_as("torch", columns=["i"]): assert both[0][0] == {"i": torch.tensor(1)}
    assert isinstance(both[0][0]["i"], int)

def test_torch_images_like_datasets(tmp_path):
    imgs = [PIL.Image.fromarray(np.full((4, 5, 3), k, np.uint8)) for k in range(2)]
    gray = [PIL.Image.fromarray(np.full((4, 5), k, np.uint8)) for k in range(2)]
    d = dk.Dataset.from_dict({"img": imgs, "g": gray}, features=dk.Features({"img": dk.Image(), "g": dk.Image()})).with_format("torch")
    h = hf.Dataset.from_dict({"img": imgs, "g": gray}, features=hf.Features({"img": hf.Image(), "g": hf.Image()})).with_format("torch")
    _same(d[0], h[0]); _same(d[:2], h[:2])
    assert d[:2]["img"].shape == (2, 3, 4, 5) and d[:2]["g"].shape == (2, 1, 4, 5)

def test_polars_like_datasets(both):
    d, h = (x.with_format("polars") for x in both)
    assert d[:2].to_dicts() == h[:2].to_dicts() and d[0].to_dicts() == h[0].to_dicts()
    assert d["s"][:].to_list() == h["s"][:].to_list()

def test_from_polars_to_polars_like_datasets():
    import polars as pl
    df = pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    d, h = dk.Dataset.from_polars(df), hf.Dataset.from_polars(df)
    assert d.features.to_dict() == h.features.to_dict() and d[:] == h[:]
    assert d.select([2, 0]).to_polars().equals(h.select([2, 0]).to_polars())
    assert [b.to_dicts() for b in d.to_polars(batch_size=2, batched=True)] == [b.to_dicts() for b in h.to_polars(batch_size=2, batched=True)]

def test_datasetdict_and_iterable_formats(both):
    dd = dk.DatasetDict({"train": both[0]}).with_format("torch")
    assert dd["train"][0]["i"].dtype == torch.int64
    it = both[0].to_iterable_dataset().with_format("torch")
    hit = both[1].to_iterable_dataset().with_format("torch")
    for a, b in zip(it, hit): _same(a, b)
    _same(next(iter(it.with_format("jax"))), next(iter(hit.with_format("jax"))))

def test_tensorflow_format_like_datasets(both):
    d, h = (x.with_format("tf") for x in both)
    _same(d[0], h[0]); _same(d[:2]["i"], h[:2]["i"]); _same(d[:2]["arr"], h[:2]["arr"])
    assert type(d[:3]["seq"]).__name__ == type(h[:3]["seq"]).__name__ == "RaggedTensor"
    assert d[:2]["s"].numpy().tolist() == h[:2]["s"].numpy().tolist() == [b"a", b"bb"]

def test_missing_framework_names_the_extra(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install dataset_kit\[jax\]"): dk.Dataset.from_dict({"a": [1]}).with_format("jax")

def test_column_that_cannot_become_a_tensor_is_named():
    import datetime
    ds = dk.Dataset.from_dict({"when": [datetime.date(2020, 1, 1)], "x": [1]}).with_format("torch")
    with pytest.raises(TypeError, match="Column 'when' cannot become torch tensors"): ds[0]
    assert ds.with_format("torch", columns=["x"])[0]["x"] == torch.tensor(1)
    with pytest.raises(TypeError, match="accepts"): dk.Dataset.from_dict({"a": [1]}).with_format("torch", pin=1)[0]

def test_to_tf_dataset_like_datasets(both):
    (d, h), kw = both, dict(batch_size=2, columns=["i", "arr"], label_cols="lab")
    for (fd, ld), (fh, lh) in zip(d.to_tf_dataset(**kw), h.to_tf_dataset(**kw)):
        _same(fd, fh); _same(ld, lh)
    one = list(d.to_tf_dataset(batch_size=2, columns="f", shuffle=True, drop_remainder=True))
    assert len(one) == 1 and one[0].shape == (2,)
    pad = lambda rows: {"seq": np.array([list(r["seq"]) + [0] * (3 - len(r["seq"])) for r in rows])}
    assert [b.numpy().tolist() for b in d.to_tf_dataset(batch_size=3, columns="seq", collate_fn=pad)] == [[[1, 2, 0], [3, 0, 0], [4, 5, 6]]]
    small = {"i": list(range(5))}
    for workers in (0, 2):  # no columns asked for: a dict of all of them, as in `datasets`; in order with workers too
        mine = [b["i"].numpy().tolist() for b in dk.Dataset.from_dict(small).to_tf_dataset(batch_size=2, num_workers=workers)]
        assert mine == [b["i"].numpy().tolist() for b in hf.Dataset.from_dict(small).to_tf_dataset(batch_size=2, num_workers=workers)], workers
    twice = lambda b: {"twice": [2 * i for i in b["i"]]}  # columns made by a transform
    mine, theirs = (m.Dataset.from_dict(small).with_transform(twice).to_tf_dataset(batch_size=2, columns="twice") for m in (dk, hf))
    assert [t.numpy().tolist() for t in mine] == [t.numpy().tolist() for t in theirs] == [[0, 2], [4, 6], [8]]
