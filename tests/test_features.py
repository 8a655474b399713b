"Interoperability of dataset_kit.features with `datasets` (files written by one open in the other) and round trips."
import datetime, json, os, subprocess, sys
import numpy as np, pyarrow as pa, pyarrow.ipc as ipc
import pytest
import datasets  # imported first on purpose in half the tests; see test_import_order_* for the other order
from datasets import features as hf
import dataset_kit.features as dk

def _write(path, table):
    with ipc.new_stream(path, table.schema) as w: w.write_table(table)

def _dk_features():
    return dk.Features({
        "n": dk.Value("int8"), "u": dk.Value("uint64"), "f": dk.Value("float16"), "s": dk.Value("large_string"),
        "b": dk.Value("binary"), "ts": dk.Value("timestamp[ms, tz=UTC]"), "t32": dk.Value("time32[s]"),
        "dur": dk.Value("duration[us]"), "dec": dk.Value("decimal128(10, 2)"), "d32": dk.Value("date32"),
        "label": dk.ClassLabel(names=["neg", "pos"]), "tags": dk.List(dk.ClassLabel(names=["a", "b", "c"])),
        "fixed": dk.List(dk.Value("float32"), length=3), "big": dk.LargeList(dk.Value("string")),
        "qa": dk.Sequence({"text": dk.Value("string"), "start": dk.Value("int32")}),
        "m": dk.Array2D((2, 3), "float32"), "dyn": dk.Array3D((None, 2, 2), "int64"),
        "a4": dk.Array4D((1, 1, 2, 1), "uint8"), "a5": dk.Array5D((None, 1, 1, 1, 2), "float64"),
        "j": dk.Json(), "lj": dk.List(dk.Json()), "nest": {"x": [dk.Value("bool")], "y": {"z": dk.Value("string")}}})

def _batch(n=5, big=2**63):
    rng = np.random.default_rng(0)
    return {"n": list(range(n)), "u": [big + i for i in range(n)], "f": [0.5] * n, "s": [f"s{i}" for i in range(n)],
            "b": [bytes([i]) for i in range(n)],
            "ts": [datetime.datetime(2024, 1, 1, i, tzinfo=datetime.timezone.utc) for i in range(n)],
            "t32": [datetime.time(1, 2, i) for i in range(n)], "dur": [datetime.timedelta(seconds=i) for i in range(n)],
            "dec": [__import__("decimal").Decimal("1.25")] * n, "d32": [datetime.date(2020, 1, 1 + i) for i in range(n)],
            "label": [i % 2 for i in range(n)], "tags": [[i % 3, (i + 1) % 3] for i in range(n)],
            "fixed": [[1.0, 2.0, 3.0]] * n, "big": [["x"] * i for i in range(n)],
            "qa": [{"text": ["a"] * i, "start": list(range(i))} for i in range(n)],
            "m": [rng.random((2, 3)).astype(np.float32) for _ in range(n)],
            "dyn": [np.full((i, 2, 2), i) for i in range(n)], "a4": [np.ones((1, 1, 2, 1), np.uint8)] * n,
            "a5": [np.zeros((i + 1, 1, 1, 1, 2)) for i in range(n)],
            "j": [0, "foo", {"subfield": "bar"}, [1, None], None][:n] + [1] * max(0, n - 5),
            "lj": [[{"b": 0}, {"c": 0}]] * n, "nest": [{"x": [True, False], "y": {"z": "q"}}] * n}

def test_to_dict_matches_datasets():
    f = _dk_features()
    hf_f = hf.Features.from_dict(f.to_dict())
    assert hf_f.to_dict() == f.to_dict()
    assert json.dumps(hf_f.to_dict()) == json.dumps(f.to_dict())
    assert hf_f.arrow_schema.metadata == f.arrow_schema.metadata
    assert dk.Features.from_dict(hf_f.to_dict()) == f

def test_reprs_match_datasets():
    for dkf, hff in [(dk.Value("int32"), hf.Value("int32")), (dk.ClassLabel(names=["x", "y"]), hf.ClassLabel(names=["x", "y"])),
                     (dk.List(dk.Value("string")), hf.List(hf.Value("string"))),
                     (dk.List(dk.Value("int8"), length=2), hf.List(hf.Value("int8"), length=2)),
                     (dk.LargeList(dk.Value("bool")), hf.LargeList(hf.Value("bool"))),
                     (dk.Array2D((None, 3), "float32"), hf.Array2D((None, 3), "float32"))]:
        assert repr(dkf) == repr(hff)

def test_dataset_kit_file_opens_in_datasets(tmp_path):
    f, batch = _dk_features(), _batch()
    table = f.encode_to_arrow(batch)
    path = str(tmp_path / "dk.arrow"); _write(path, table)
    ds = datasets.Dataset.from_file(path)
    assert ds.features.to_dict() == f.to_dict()
    row = ds[3]
    assert row["label"] == 1 and row["tags"] == [0, 1] and row["qa"] == {"text": ["a"] * 3, "start": [0, 1, 2]}
    np.testing.assert_array_equal(np.array(row["m"], dtype=np.float32), batch["m"][3])
    np.testing.assert_array_equal(np.array(row["dyn"]), batch["dyn"][3])
    assert [ds[i]["j"] for i in range(5)] == batch["j"]
    assert row["lj"] == [{"b": 0}, {"c": 0}]
    assert ds.with_format("numpy")[:]["m"].shape == (5, 2, 3)

def test_datasets_file_opens_in_dataset_kit(tmp_path):
    f = _dk_features(); batch = _batch(big=2**40)  # datasets.from_dict cannot infer uint64 > 2**63
    hf_f = hf.Features.from_dict(f.to_dict())
    ds = datasets.Dataset.from_dict(batch, features=hf_f)
    path = str(tmp_path / "hf.arrow")
    table = ds.data.table
    _write(path, table.replace_schema_metadata(ds.features.arrow_schema.metadata))
    back = ipc.open_stream(path).read_all()
    f2 = dk.Features.from_arrow_schema(back.schema)
    assert f2 == f
    mine = f.encode_to_arrow(batch)
    assert f.decode_batch(back.to_pydict()) == f.decode_batch(mine.to_pydict())
    m = dk.arrow_to_numpy(back.column("m"), f2["m"])
    np.testing.assert_array_equal(m, np.stack(batch["m"]))
    decoded = f2.decode_batch(back.to_pydict())
    assert decoded["j"] == batch["j"]

def test_datasets_written_arrays_zero_copy(tmp_path):
    arr = np.arange(2 * 4 * 4, dtype=np.float32).reshape(2, 4, 4)
    ds = datasets.Dataset.from_dict({"m": arr}, features=hf.Features({"m": hf.Array2D((4, 4), "float32")}))
    col = ds.data.table.column("m")
    out = dk.arrow_to_numpy(col, dk.Array2D((4, 4), "float32"))
    np.testing.assert_array_equal(out, arr)
    assert not out.flags.owndata

_ORDER_SCRIPT = """
import numpy as np, pyarrow as pa, pyarrow.ipc as ipc, sys
import dataset_kit.features as dk
f = dk.Features({"m": dk.Array2D((2, 2), "int32")})
t = f.encode_to_arrow({"m": [np.eye(2, dtype=np.int32)]})
with ipc.new_stream(sys.argv[1], t.schema) as w: w.write_table(t)
import datasets  # must not fail although dataset_kit registered the extension names first
ds = datasets.Dataset.from_file(sys.argv[1])
assert ds.features["m"] == datasets.Array2D((2, 2), "int32"), ds.features
assert ds.with_format("numpy")[:]["m"].tolist() == [[[1, 0], [0, 1]]]
t2 = f.encode_to_arrow({"m": [np.eye(2, dtype=np.int32)]})   # now built with datasets' classes
assert dk.Features.from_arrow_schema(t2.schema) == f
print("ok")
"""

def test_import_order_dataset_kit_first(tmp_path):
    r = subprocess.run([sys.executable, "-c", _ORDER_SCRIPT, str(tmp_path / "x.arrow")], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr

def test_plain_pyarrow_reads_extension_types(tmp_path):
    script = ("import numpy as np, pyarrow.ipc as ipc, sys\nimport dataset_kit.features as dk\n"
              "f = dk.Features({'m': dk.Array2D((2, 2), 'int32')})\n"
              "t = f.encode_to_arrow({'m': [np.eye(2, dtype=np.int32)]})\n"
              "w = ipc.new_stream(sys.argv[1], t.schema); w.write_table(t); w.close()\n"
              "b = ipc.open_stream(sys.argv[1]).read_all()\n"
              "assert type(b.column('m').type).__name__ == 'Array2DExtensionType', b.schema\n"
              "assert b.column('m').chunk(0).to_numpy().shape == (1, 2, 2)\nprint('ok')\n")
    r = subprocess.run([sys.executable, "-c", script, str(tmp_path / "y.arrow")], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr

# ---- property tests: the columnar path agrees with the row path and with `datasets` ----
from hypothesis import given, settings, HealthCheck, strategies as st

_NAMES = ["a", "b", "c"]
_leaf = st.sampled_from([("int8", st.integers(-128, 127)), ("int64", st.integers(-2**63, 2**63 - 1)),
                         ("float64", st.floats(allow_nan=False)), ("string", st.text(st.characters(blacklist_categories=("Cs",)), max_size=5)),
                         ("bool", st.booleans()), ("binary", st.binary(max_size=4))])

@st.composite
def feature_and_values(draw, depth=0):
    kind = draw(st.sampled_from(["value", "label", "list", "fixed", "dict", "array"] if depth < 2 else ["value", "label"]))
    opt = lambda s: st.one_of(st.none(), s)
    if kind == "value":
        dtype, vals = draw(_leaf); return dk.Value(dtype), opt(vals)
    if kind == "label":
        return dk.ClassLabel(names=_NAMES), opt(st.one_of(st.sampled_from(_NAMES), st.integers(-1, 2)))
    if kind == "array":
        shape = (draw(st.one_of(st.none(), st.integers(0, 3))), draw(st.integers(1, 3)))
        def arr(d0): return st.builds(lambda n: np.arange(n * shape[1], dtype=np.int32).reshape(n, shape[1]), st.just(d0) if d0 is not None else st.integers(0, 3))
        return dk.Array2D(shape, "int32"), opt(arr(shape[0]))
    sub, subvals = draw(feature_and_values(depth + 1))
    if kind == "list": return dk.List(sub), opt(st.lists(subvals, max_size=3))
    if kind == "fixed": return dk.List(sub, length=2), opt(st.lists(subvals, min_size=2, max_size=2))
    sub2, subvals2 = draw(feature_and_values(depth + 1))
    return {"x": sub, "y": sub2}, opt(st.fixed_dictionaries({"x": subvals, "y": subvals2}))

@st.composite
def batches(draw):
    f, vals = draw(feature_and_values())
    return dk.Features({"col": f}), draw(st.lists(vals, min_size=0, max_size=6))

def _storage_type(t):
    "The type with extension types replaced by their storage (pa.array cannot build nested extension types)."
    if isinstance(t, pa.ExtensionType): return _storage_type(t.storage_type)
    if isinstance(t, pa.StructType): return pa.struct([pa.field(x.name, _storage_type(x.type)) for x in t])
    if isinstance(t, pa.FixedSizeListType): return pa.list_(_storage_type(t.value_type), t.list_size)
    if isinstance(t, pa.ListType): return pa.list_(_storage_type(t.value_type))
    return t

def _pylist(col):
    "Python values of a column, through the storage of an extension array (datasets' to_pylist turns null rows into nan)."
    if isinstance(col, pa.ChunkedArray): return [v for c in col.chunks for v in _pylist(c)]
    return (col.storage if isinstance(col.type, pa.ExtensionType) else col).to_pylist()

def _plain(v):
    if isinstance(v, np.ndarray): return v.tolist()
    if isinstance(v, dict): return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list): return [_plain(x) for x in v]
    return v

@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches())
def test_columnar_equals_row_path(fb):
    f, column = fb
    table = f.encode_to_arrow({"col": column})
    rows = [f.encode_example({"col": v}) for v in column]
    expected = pa.array([_plain(r["col"]) for r in rows], type=_storage_type(f.type.field("col").type))
    assert _pylist(table.column("col")) == expected.to_pylist()
    assert dk.Features.from_arrow_schema(table.schema) == f

@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches())
def test_datasets_reads_what_we_write(tmp_path_factory, fb):
    f, column = fb
    path = str(tmp_path_factory.mktemp("h") / "x.arrow")
    table = f.encode_to_arrow({"col": column}); _write(path, table)
    ds = datasets.Dataset.from_file(path)
    assert ds.features.to_dict() == f.to_dict()
    assert _pylist(ds.data.table.column("col")) == _pylist(table.column("col"))

def test_error_names_nested_path_and_value():
    f = dk.Features({"qa": {"labels": dk.List(dk.ClassLabel(names=["no", "yes"]))}})
    with pytest.raises(ValueError, match=r"Column 'qa\.labels\[0\]' row 2.*'maybe'"):
        f.encode_to_arrow({"qa": [{"labels": ["yes"]}, {"labels": ["no", "yes"]}, {"labels": ["maybe"]}]})
    with pytest.raises(ValueError, match=r"Column 'qa\.labels\[1\]'.*'maybe'"):
        f.encode_example({"qa": {"labels": ["yes", "maybe"]}})

# Valid Unicode only (Arrow stores UTF-8: no lone surrogates), and no NUL in keys (Arrow field names are C strings).
_chars = st.characters(blacklist_categories=("Cs",))
_key_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_json = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(_chars, max_size=4),
                     lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(_key_chars, max_size=3), kids, max_size=3), max_leaves=8)

@settings(max_examples=60, deadline=None)
@given(st.lists(_json, max_size=6))
def test_json_round_trips_exactly(values):
    f = dk.Features({"a": dk.Json()})
    t = f.encode_to_arrow({"a": values})
    assert f.decode_column(t.column("a").to_pylist(), "a") == values

def _fill(v, feature):
    "The value as stored under `feature` (struct unions fill missing keys with None)."
    if v is None: return None
    if isinstance(feature, dict): return {k: _fill(v.get(k), sub) for k, sub in feature.items()}
    if isinstance(feature, dk.List): return [_fill(x, feature.feature) for x in v]
    if isinstance(feature, dk.Value) and feature.dtype == "float64": return float(v)
    return v

@settings(max_examples=60, deadline=None)
@given(st.lists(_json, max_size=6))
def test_use_json_inference_always_encodes(values):
    f = dk.infer_features({"a": values}, on_mixed_types="use_json")
    t = f.encode_to_arrow({"a": values})
    decoded = f.decode_column(t.column("a").to_pylist(), "a")
    assert decoded == [_fill(v, f["a"]) for v in values]


# --- silent wrong data (issue 18): a lossy float -> int cast is refused; mixed inferred types are named ----------

def test_lossy_float_to_int_is_refused_naming_column_and_row():
    f = dk.Features({"n": dk.Value("int64"), "xs": dk.List(dk.Value("int32"))})
    with pytest.raises(ValueError, match=r"Column 'n' row 2: value 1\.5 does not fit Value\('int64'\)"):
        f.encode_to_arrow({"n": [1, 2.0, 1.5], "xs": [[1], [2], [3]]})
    with pytest.raises(ValueError, match=r"Column 'xs' row 1"):
        f.encode_to_arrow({"n": [1, 2, 3], "xs": [[1], [2.25], []]})
    assert f.encode_to_arrow({"n": [1, 2.0, None], "xs": [[1.0], None, []]}).to_pylist() == \
        [{"n": 1, "xs": [1]}, {"n": 2, "xs": None}, {"n": None, "xs": []}]
    # datasets stores 1.5 as 1: the reason for the refusal
    assert hf.Features({"n": hf.Value("int64")}).encode_batch({"n": [1.5]}) == {"n": [1]}
    assert pa.array([1.5], pa.int64()).to_pylist() == [1]


def test_mixed_types_in_an_inferred_column_name_column_and_row():
    from dataset_kit.arrow_dataset import Dataset
    with pytest.raises(pa.ArrowInvalid, match="Column 'x' has mixed types: row 2 holds 'two' but row 0 holds 0.*features="):
        Dataset.from_dict({"x": [0, 1, "two"]})
