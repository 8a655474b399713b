"Parity with `datasets` 5.2: the same code run on `datasets` and on dataset_kit, side by side, gives the same result."
import os
import numpy as np, pyarrow as pa
import pytest
import datasets
import dataset_kit
import dataset_kit.features as dkf


# --- features ----------------------------------------------------------------------------------------------------

def _both(make):
    "Run `make(lib)` with `datasets` and with dataset_kit."
    return make(datasets), make(dataset_kit)


def test_features_flatten_order():
    def make(lib):
        f = lib.Features({"idx": lib.Value("int32"), "answers": {"text": lib.Value("string"), "s": lib.Value("int32")},
                          "arr": lib.Value("int8"), "deep": {"a": {"b": lib.Value("int8")}, "c": lib.Value("bool")}})
        return [list(f.flatten()), list(f.flatten(max_depth=2)), list(f.flatten(max_depth=1))]
    hf, dk = _both(make)
    assert dk == hf
    assert dk[0] == ["idx", "arr", "answers.text", "answers.s", "deep.c", "deep.a.b"]


def test_translation_features():
    def make(lib):
        f = lib.Features({"t": lib.Translation(languages=["fr", "en"]),
                          "v": lib.TranslationVariableLanguages(languages=["fr", "en", "de"])})
        ds = lib.Dataset.from_dict({"t": [{"en": "the cat", "fr": "le chat"}],
                                    "v": [{"en": "the cat", "fr": ["le chat", "la chatte"]}]}, features=f)
        v = f["v"]
        return (f.to_dict(), str(f.type), list(f.flatten()), (v.languages, v.num_languages), ds[0],
                str(ds.data.schema.types))
    hf, dk = _both(make)
    assert dk == hf
    assert dkf.Features.from_dict(hf[0]) == dkf.Features({"t": dataset_kit.Translation(["fr", "en"]),
                                                          "v": dataset_kit.TranslationVariableLanguages(["de", "en", "fr"])})
    for lib in (datasets, dataset_kit):
        with pytest.raises(ValueError, match=r"Some languages in example \(es\) are not in valid set"):
            lib.TranslationVariableLanguages(["en"]).encode_example({"es": "el gato"})


def test_translation_dataset_written_by_datasets_reads(tmp_path):
    f = datasets.Features({"t": datasets.Translation(languages=["de", "en"])})
    datasets.Dataset.from_dict({"t": [{"en": "a", "de": "b"}]}, features=f).save_to_disk(str(tmp_path / "d"))
    ds = dataset_kit.load_from_disk(str(tmp_path / "d"))
    assert ds.features["t"] == dataset_kit.Translation(["de", "en"]) and ds[0] == {"t": {"de": "b", "en": "a"}}


# --- exceptions ----------------------------------------------------------------------------------------------------

def test_exceptions_have_datasets_names_and_family_tree():
    import datasets.exceptions as hfe, dataset_kit.exceptions as dke
    names = [n for n in dir(hfe) if isinstance(getattr(hfe, n), type) and issubclass(getattr(hfe, n), Exception)
             and getattr(hfe, n).__module__ == hfe.__name__]
    missing = [n for n in names if not hasattr(dke, n)]
    assert not missing
    for n in names:
        hf_parents = [c.__name__ for c in getattr(hfe, n).__mro__ if c.__module__ == hfe.__name__]
        dk_parents = [c.__name__ for c in getattr(dke, n).__mro__ if c.__module__ == dke.__name__]
        assert dk_parents == hf_parents, n


def test_exceptions_raised_in_the_same_situations(tmp_path):
    import datasets.exceptions as hfe, dataset_kit.exceptions as dke
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "empty").mkdir(); (tmp_path / "empty" / "x.weird").write_text("1")
    for lib, exc in ((datasets, hfe), (dataset_kit, dke)):
        with pytest.raises(exc.DataFilesNotFoundError, match="No \\(supported\\) data files found in"):
            lib.load_dataset(str(tmp_path / "empty"), cache_dir=str(tmp_path / "c"))
        with pytest.raises(FileNotFoundError):
            lib.load_dataset("csv", data_files={"train": str(tmp_path / "nothing.csv")}, cache_dir=str(tmp_path / "c"))
    with pytest.raises(dke.DatasetNotFoundError, match="Couldn't find a dataset builder"):  # (datasets would ask the Hub)
        dataset_kit.load_dataset(str(tmp_path / "no_such_dataset"))
    from datasets.utils.info_utils import verify_splits as hf_verify
    from dataset_kit.builder import verify_splits as dk_verify
    for lib, exc, verify in ((datasets, hfe, hf_verify), (dataset_kit, dke, dk_verify)):
        info = lambda n, k: lib.SplitInfo(name=n, num_examples=k)
        with pytest.raises(exc.ExpectedMoreSplitsError): verify({"train": info("train", 1), "test": info("test", 1)}, {"train": info("train", 1)})
        with pytest.raises(exc.UnexpectedSplitsError): verify({"train": info("train", 1)}, {"train": info("train", 1), "test": info("test", 1)})
        with pytest.raises(exc.NonMatchingSplitsSizesError): verify({"train": info("train", 1)}, {"train": info("train", 2)})


# --- Dataset / DatasetDict -------------------------------------------------------------------------------------------

def test_context_managers_and_sizes():
    def make(lib):
        with lib.Dataset.from_dict({"a": [1, 2]}) as ds:
            got = [len(ds), ds[0], ds.dataset_size, ds.download_size, ds.size_in_bytes]
        with lib.DatasetDict({"train": lib.Dataset.from_dict({"a": [1]})}) as dd:
            got.append(dd.num_rows)
        try: len(ds)
        except AttributeError: got.append("released")
        return got
    hf, dk = _both(make)
    assert dk == hf == [2, {"a": 1}, None, None, None, {"train": 1}, "released"]


def test_datasetdict_indices_cache_file_names_and_align_labels(tmp_path):
    def make(lib):
        d = tmp_path / lib.__name__; d.mkdir()
        feats = lib.Features({"label": lib.ClassLabel(names=["neg", "pos"]), "x": lib.Value("int64")})
        dd = lib.DatasetDict({"train": lib.Dataset.from_dict({"label": [0, 1, 1, 0], "x": [3, 1, 2, 0]}, features=feats),
                              "test": lib.Dataset.from_dict({"label": [1], "x": [9]}, features=feats)})
        sh = dd.shuffle(seed=3, indices_cache_file_names={"train": str(d / "sh.arrow"), "test": str(d / "sh_t.arrow")})
        so = dd.sort("x", indices_cache_file_names={"train": str(d / "so.arrow"), "test": str(d / "so_t.arrow")})
        al = dd.align_labels_with_mapping({"NEG": 1, "POS": 0}, "label")
        return (sh["train"]["x"][:], so["train"]["x"][:], {"sh.arrow", "so.arrow"} <= set(os.listdir(d)), al["train"]["label"][:],
                al["train"].features["label"].names)
    hf, dk = _both(make)
    assert dk == hf


# --- dataset folders described by their README -----------------------------------------------------------------------

README = """---
license: mit
configs:
- config_name: semi
  data_files:
  - split: train
    path: semi/train-*.csv
  - split: test
    path: semi/test.csv
  sep: ";"
- config_name: comma
  data_files: comma/*.csv
  default: true
dataset_info:
- config_name: semi
  features:
  - name: x
    dtype: int32
  - name: label
    dtype:
      class_label:
        names:
          '0': neg
          '1': pos
  splits:
  - name: train
    num_examples: 3
  - name: test
    num_examples: 1
---
# A dataset with two configs
"""

@pytest.fixture
def card_folder(tmp_path):
    d = tmp_path / "two_configs"
    (d / "semi").mkdir(parents=True); (d / "comma").mkdir()
    (d / "semi" / "train-0.csv").write_text("x;label\n1;neg\n2;pos\n")
    (d / "semi" / "train-1.csv").write_text("x;label\n3;pos\n")
    (d / "semi" / "test.csv").write_text("x;label\n4;neg\n")
    (d / "comma" / "all.csv").write_text("a,b\n1,x\n2,y\n")
    (d / "README.md").write_text(README)
    return d


def test_readme_configs_load_by_name(card_folder, tmp_path):
    def make(lib):
        cache = str(tmp_path / f"cache_{lib.__name__}")
        semi = lib.load_dataset(str(card_folder), "semi", cache_dir=cache)
        comma = lib.load_dataset(str(card_folder), "comma", cache_dir=cache)
        default = lib.load_dataset(str(card_folder), cache_dir=cache)
        return (lib.get_dataset_config_names(str(card_folder)), lib.get_dataset_split_names(str(card_folder), "semi"),
                {k: v[:] for k, v in semi.items()}, str(semi["train"].features), {k: v[:] for k, v in comma.items()},
                list(default), default["train"][:])
    hf, dk = _both(make)
    assert dk == hf
    assert dk[0] == ["semi", "comma"] and dk[2]["train"] == {"x": [1, 2, 3], "label": [0, 1, 1]}


def test_readme_errors_name_the_readme_and_line(card_folder, tmp_path):
    with pytest.raises(ValueError, match=r"'tab' not found in .*README.md: the configs it declares are \['semi', 'comma'\]"):
        dataset_kit.load_dataset(str(card_folder), "tab", cache_dir=str(tmp_path / "c"))
    (card_folder / "README.md").write_text(README.replace("semi/test.csv", "semi/missing.csv"))
    with pytest.raises(ValueError, match=r"README.md:6: config 'semi': Unable to find 'semi/missing.csv'"):
        dataset_kit.load_dataset(str(card_folder), "semi", cache_dir=str(tmp_path / "c"))
    (card_folder / "README.md").write_text(README.replace("  sep: \";\"", "  sep: [\";\""))
    with pytest.raises(ValueError, match=r"README.md:\d+: the YAML header is not valid YAML"):
        dataset_kit.load_dataset(str(card_folder), "semi", cache_dir=str(tmp_path / "c"))


def test_written_folder_loads_in_datasets(tmp_path):
    from dataset_kit.dataset_card import save_dataset_folder
    folder = tmp_path / "written"
    feats = dataset_kit.Features({"t": dataset_kit.Value("string"), "l": dataset_kit.ClassLabel(names=["a", "b"]),
                                  "v": dataset_kit.List(dataset_kit.Value("float32"))})
    dd = dataset_kit.DatasetDict({"train": dataset_kit.Dataset.from_dict({"t": ["x", "y"], "l": [0, 1], "v": [[1.0], []]}, features=feats),
                                  "test": dataset_kit.Dataset.from_dict({"t": ["z"], "l": [1], "v": [[2.0]]}, features=feats)})
    save_dataset_folder(dd, str(folder), "main", default=True)
    save_dataset_folder(dataset_kit.Dataset.from_dict({"q": [1, 2, 3]}), str(folder), "extra")
    def make(lib):
        cache = str(tmp_path / f"cache_{lib.__name__}")
        main, extra = lib.load_dataset(str(folder), "main", cache_dir=cache), lib.load_dataset(str(folder), "extra", cache_dir=cache)
        return (lib.get_dataset_config_names(str(folder)), {k: v[:] for k, v in main.items()}, str(main["train"].features),
                extra["train"][:], list(lib.load_dataset(str(folder), cache_dir=cache)))
    hf, dk = _both(make)
    assert dk == hf
    assert hf[0] == ["main", "extra"] and hf[1]["test"] == {"t": ["z"], "l": [1], "v": [[2.0]]}
    info = datasets.get_dataset_infos(str(folder))["main"]
    assert info.splits["train"].num_examples == 2 and info.features == datasets.Features(
        {"t": datasets.Value("string"), "l": datasets.ClassLabel(names=["a", "b"]), "v": datasets.List(datasets.Value("float32"))})


# --- numpy values and casting to the requested features ---------------------------------------------------------------

def test_multidimensional_numpy_values_keep_their_dtype():
    def make(lib):
        ds = lib.Dataset.from_dict({"px": [np.zeros((2, 3)), np.ones((2, 3))]})
        f32 = lib.Dataset.from_dict({"px": [np.zeros((2, 3), np.float32)]})
        mapped = lib.Dataset.from_dict({"i": [0, 1]}).map(lambda r: {"x": np.full((4, 4, 3), r["i"], np.float32)})
        return (str(ds.features), ds[1]["px"], str(f32.features), str(mapped.features), mapped[1]["x"][3][3],
                str(mapped.data.schema.field("x").type))
    hf, dk = _both(make)
    assert dk == hf
    assert dk[3] == "{'i': Value('int64'), 'x': List(List(List(Value('float32'))))}"


def test_values_cast_to_requested_features(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"a": "0", "b": 1}\n{"a": "12", "b": 2}\n')
    (tmp_path / "a.csv").write_text("a,b\n0,1\n12,2\n")
    def make(lib):
        f = lib.Features({"a": lib.Value("int32"), "b": lib.Value("string")})
        cache = str(tmp_path / lib.__name__)
        gen = lib.Dataset.from_generator(lambda: iter([{"a": "3", "b": 4}]), features=f, cache_dir=cache)
        return (lib.load_dataset("json", data_files=str(tmp_path / "a.jsonl"), features=f, cache_dir=cache)["train"][:],
                lib.load_dataset("csv", data_files=str(tmp_path / "a.csv"), features=f, cache_dir=cache)["train"][:],
                lib.Dataset.from_json(str(tmp_path / "a.jsonl"), features=f, cache_dir=cache)[:],
                lib.Dataset.from_csv(str(tmp_path / "a.csv"), features=f, cache_dir=cache)[:], gen[:],
                lib.Dataset.from_dict({"a": ["5"], "b": [6]}, features=f)[:])
    hf, dk = _both(make)
    assert dk == hf
    assert dk[0] == {"a": [0, 12], "b": ["1", "2"]}


def test_numpy_format_strings_and_stacked_lists():
    def make(lib):
        ds = lib.Dataset.from_dict({"s": ["a", "bb"], "n": [None, "x"], "v": [[1, 2], [3, 4]], "r": [[1], [2, 3]],
                                    "vv": [[[1, 2]], [[3, 4]]]}).with_format("numpy")
        batch = ds[:]
        emb = lib.Dataset.from_dict({"i": [0, 1, 2]}).map(lambda r: {"e": np.full(4, r["i"], np.float32)}).with_format("numpy")
        return ({k: (str(v.dtype), v.shape) for k, v in batch.items()}, type(ds[0]["s"]).__name__, ds[0]["v"].tolist(),
                (emb[:]["e"].shape, str(emb[:]["e"].dtype)), type(lib.Dataset.from_dict({"a": [1]}).with_format("pyarrow")[:]).__name__)
    hf, dk = _both(make)
    assert dk == hf
    assert dk[3] == ((3, 4), "float32")


def test_streaming_extract_of_a_tar_points_to_iter_archive(tmp_path):
    import tarfile
    (tmp_path / "a.txt").write_text("x")
    with tarfile.open(tmp_path / "train.tar.gz", "w:gz") as t: t.add(tmp_path / "a.txt", arcname="a.txt")
    from datasets.download.streaming_download_manager import StreamingDownloadManager as HfSDM
    for sdm in (HfSDM(), dataset_kit.StreamingDownloadManager()):
        with pytest.raises(NotImplementedError, match="iter_archive"): sdm.extract(str(tmp_path / "train.tar.gz"))
        assert [n for n, _ in sdm.iter_archive(str(tmp_path / "train.tar.gz"))] == ["a.txt"]


def test_split_dict_yaml_and_dataset_infos_dict(card_folder, tmp_path):
    import datasets.info as hfi, dataset_kit.dataset_card as dkc
    def make(lib, infos_dict):
        sd = lib.SplitDict.from_split_dict([{"name": "train", "num_bytes": 10, "num_examples": 3, "shard_lengths": [1, 2]},
                                            {"name": "test", "num_bytes": 2, "num_examples": 1}])
        back = lib.SplitDict._from_yaml_list(sd._to_yaml_list())
        infos = infos_dict.from_directory(str(card_folder))
        out = tmp_path / lib.__name__; out.mkdir()
        infos.write_to_directory(str(out))
        again = infos_dict.from_directory(str(out))
        return (sd._to_yaml_list(), back["train"].num_examples, sorted(infos), str(infos["semi"].features),
                infos["semi"].splits["train"].num_examples, sorted(again), str(again["semi"].features),
                again["semi"].splits["test"].num_examples)
    hf, dk = make(datasets, hfi.DatasetInfosDict), make(dataset_kit, dkc.DatasetInfosDict)
    assert dk == hf
    assert dataset_kit.DatasetInfosDict is dkc.DatasetInfosDict


async def _async_double(row):
    return {"b": row["a"] * 2}


async def _async_keep(row):
    return row["a"] > 1


def test_map_cache_file_without_function_and_async_functions(tmp_path):
    def make(lib):
        ds = lib.Dataset.from_dict({"a": [1, 2, 3]})
        p = str(tmp_path / f"{lib.__name__}.arrow")
        same = ds.map(cache_file_name=p)
        new = ds.map(lambda r: {"c": r["a"]}, cache_file_name=str(tmp_path / f"{lib.__name__}_c.arrow"))
        return (os.path.isfile(p), lib.Dataset.from_file(p)[:], same[:],
                lib.Dataset.from_file(str(tmp_path / f"{lib.__name__}_c.arrow")).column_names, new[:],
                ds.map(_async_double)[:], ds.filter(_async_keep)[:], ds.map(lambda r: {})[:])
    hf, dk = _both(make)
    assert dk == hf
    assert dk[0] and dk[5] == {"a": [1, 2, 3], "b": [2, 4, 6]} and dk[3] == ["a", "c"]


@pytest.mark.parametrize("n,num_shards,buffer_size", [(20, 4, 10), (50, 4, 7), (30, 4, 100), (200, 12, 16), (500, 20, 64),
                                                      (1000, 7, 250), (40, 1, 8)])
def test_iterable_shuffle_order_equals_datasets(n, num_shards, buffer_size):
    def make(lib):
        it = lib.Dataset.from_dict({"a": list(range(n))}).to_iterable_dataset(num_shards=num_shards)
        sh = it.shuffle(seed=7, buffer_size=buffer_size)
        return [r["a"] for r in sh], [r["a"] for r in sh.skip(3).take(5)]
    hf, dk = _both(make)
    assert dk == hf


def test_iterable_dataset_constructors_exports_and_info(tmp_path):
    "IterableDataset.from_dict/from_list/from_pandas/from_csv, to_list/to_dict/to_pandas/to_csv, add_column, info properties."
    def run(lib):
        it = lib.IterableDataset.from_dict({"x": [1, 2, 3], "s": ["a", "b", "c"]})
        csv = tmp_path / f"{lib.__name__}.csv"
        it.to_csv(str(csv))
        described = lib.IterableDataset.from_dict({"x": [1]})
        return {"list": it.to_list(), "dict": it.to_dict(), "pandas": it.to_pandas().to_dict("list"),
                "columns": it.num_columns, "epoch": it.epoch, "added": list(it.add_column("y", [10, 20, 30])),
                "from_list": list(lib.IterableDataset.from_list([{"a": 1}, {"a": 2}])),
                "from_pandas": list(lib.IterableDataset.from_pandas(it.to_pandas())),
                "csv": csv.read_text(), "from_csv": list(lib.IterableDataset.from_csv(str(csv), cache_dir=str(tmp_path / lib.__name__))),
                "info": (described.description, described.license, described.dataset_size, described.supervised_keys)}
    assert run(dataset_kit) == run(datasets)
    # deliberate: the info given is kept (`datasets` 5.2 drops it in `to_iterable_dataset`, so `description` is '')
    kept = dataset_kit.IterableDataset.from_dict({"x": [1]}, info=dataset_kit.DatasetInfo(description="d", license="MIT"))
    assert (kept.description, kept.license) == ("d", "MIT")


def test_iterable_dataset_repeat():
    "repeat(n) replays the stream n times, also after shuffle and under take; repeat(None) goes on forever."
    def run(lib):
        it = lib.IterableDataset.from_dict({"x": list(range(6))}, num_shards=3)
        return ([ex["x"] for ex in it.repeat(2)], [ex["x"] for ex in it.repeat(None).take(8)],
                [ex["x"] for ex in it.shuffle(seed=3, buffer_size=1).repeat(2)])
    assert run(dataset_kit) == run(datasets)


def test_iterable_dataset_column_access():
    "ds['col'] streams a column; ds['struct']['field'] a nested one."
    def run(lib):
        it = lib.IterableDataset.from_dict({"x": [1, 2], "d": [{"a": 1}, {"a": 2}]})
        return type(it["x"]).__name__, list(it["x"]), list(it["d"]["a"])
    assert run(dataset_kit) == run(datasets)


def test_concatenate_iterable_datasets():
    "concatenate_datasets of streams: one after the other, missing columns as None; sharded across workers."
    def run(lib):
        a = lib.IterableDataset.from_dict({"x": [1, 2]}, num_shards=2)
        b = lib.IterableDataset.from_dict({"x": [3], "y": ["c"]})
        both = lib.concatenate_datasets([a, b])
        return list(both), list(both.features), both.n_shards
    assert run(dataset_kit) == run(datasets)


# --- tables, constructors and writers (this session's sweep) -------------------------------------------------------

def test_dataset_data_is_a_table_of_the_right_kind(tmp_path):
    import datasets.table as hft, dataset_kit.table as dkt
    path = str(tmp_path / "rows.arrow")
    datasets.Dataset.from_dict({"a": [1, 2, 3]}).map(cache_file_name=path)
    for lib, tables in ((datasets, hft), (dataset_kit, dkt)):
        mapped, memory = lib.Dataset.from_file(path), lib.Dataset.from_dict({"a": [1]})
        assert isinstance(mapped.data, tables.MemoryMappedTable) and mapped.data.path == path
        assert isinstance(memory.data, tables.InMemoryTable)
        glued = lib.concatenate_datasets([mapped, mapped])
        assert isinstance(glued.data, tables.ConcatenationTable) and len(glued.data.blocks) == 2
        assert lib.Dataset(tables.InMemoryTable.from_pydict({"b": [5]}))["b"] == [5]
        assert tables.MemoryMappedTable.from_file(path).slice(1, 1).replays == [("slice", (1, 1), {})]
        with pytest.raises(NotImplementedError): glued.data.add_column(1, "c", pa.array([0] * 6))


def test_from_buffer_from_generator_fingerprint_and_sql(tmp_path):
    import sqlite3, contextlib
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, pa.schema({"a": pa.int64()})) as w: w.write_table(pa.table({"a": [7, 8]}))
    def gen(): yield from ({"x": i} for i in range(3))
    for lib in (datasets, dataset_kit):
        assert lib.Dataset.from_buffer(sink.getvalue())["a"] == [7, 8]
        ds = lib.Dataset.from_generator(gen, fingerprint="gen-v1", cache_dir=str(tmp_path / lib.__name__))
        assert ds._fingerprint == "gen-v1" and ds["x"] == [0, 1, 2]
        with pytest.raises(TypeError, match="generator must be callable"): lib.Dataset.from_generator([{"x": 1}])
        with contextlib.closing(sqlite3.connect(str(tmp_path / f"{lib.__name__}.db"))) as con:
            assert ds.to_sql("rows", con) == 3
            assert lib.Dataset.from_sql("SELECT x FROM rows WHERE x > 0", con, cache_dir=str(tmp_path / "sql"))["x"] == [1, 2]


def test_batch_keeps_the_format_and_polars_rows():
    def make(lib):
        ds = lib.Dataset.from_dict({"a": [1, 2, 3, 4]})
        return ([b.to_pydict() for b in ds.with_format("arrow").batch(2)],
                [df.to_dict(as_series=False) for df in ds.with_format("polars")][:2])
    hf, dk = _both(make)
    assert dk == hf


def test_save_to_disk_in_processes(tmp_path):
    for lib in (datasets, dataset_kit):
        out = str(tmp_path / lib.__name__)
        lib.Dataset.from_dict({"a": list(range(10))}).save_to_disk(out, num_proc=2)
        assert sorted(f for f in os.listdir(out) if f.endswith(".arrow")) == ["data-00000-of-00002.arrow", "data-00001-of-00002.arrow"]
        assert lib.load_from_disk(out)["a"] == list(range(10))


def test_local_folder_names_its_dataset(tmp_path):
    folder = tmp_path / "my_data"; folder.mkdir()
    (folder / "train.csv").write_text("a,b\n1,2\n")
    hf, dk = _both(lambda lib: lib.load_dataset(str(folder), split="train", cache_dir=str(tmp_path / lib.__name__)).info.dataset_name)
    assert dk == hf == "my_data"


def test_csv_integer_features_cast_after_parsing(tmp_path):
    (tmp_path / "f.csv").write_text("a,b\n0.0,x\n2.0,y\n")
    feats = lambda lib: lib.Features({"a": lib.Value("int32"), "b": lib.Value("string")})
    hf, dk = _both(lambda lib: list(lib.Dataset.from_csv(str(tmp_path / "f.csv"), features=feats(lib), cache_dir=str(tmp_path / lib.__name__))["a"]))
    assert dk == hf == [0, 2]


# --- streams ---------------------------------------------------------------------------------------------------------

def test_stream_concatenation_side_by_side_and_unknown_features():
    def make(lib):
        a = lib.IterableDataset.from_generator(lambda: ({"x": i} for i in range(3)))
        b = lib.IterableDataset.from_generator(lambda: ({"y": i * 10} for i in range(2)))
        side = lib.concatenate_datasets([a, b], axis=1)
        rows = lib.concatenate_datasets([a, b])
        return list(side), sorted(side.features), list(rows), sorted(rows.features)
    hf, dk = _both(make)
    assert dk == hf


def test_stream_decode_batch_size_none_formats_and_async():
    import PIL.Image, pyarrow.compute as pc
    async def double(ex): return {"a": ex["a"] * 2}
    def make(lib):
        pics = lib.Dataset.from_dict({"img": [PIL.Image.new("RGB", (2, 2))]}, features=lib.Features({"img": lib.Image()}))
        raw = next(iter(pics.to_iterable_dataset().decode(False)))["img"]
        nums = lib.IterableDataset.from_generator(lambda: ({"a": i} for i in range(6)), features=lib.Features({"a": lib.Value("int64")}))
        whole = [ex["n"] for ex in nums.map(lambda b: {"n": [len(b["a"])] * len(b["a"])}, batched=True, batch_size=None)]
        arrow = [ex["a"] for ex in nums.with_format("arrow").filter(lambda t: pc.greater(t["a"], 3), batched=True).with_format(None)]
        awaited = [ex["a"] for ex in nums.map(double)]
        lazy = next(nums.to_dict(batch_size=4, batched=True))
        return sorted(raw), whole, arrow, awaited, lazy
    hf, dk = _both(make)
    assert dk == hf


def test_take_under_more_dataloader_workers_than_shards():
    from torch.utils.data import DataLoader
    def make(lib):
        ds = lib.IterableDataset.from_generator(lambda: ({"i": i} for i in range(20))).take(5)
        return len(list(DataLoader(ds, batch_size=None, num_workers=2)))
    hf, dk = _both(make)
    assert dk == hf == 5


def test_split_by_node_of_a_concatenation():
    "Both give every node a part and every example once, and split(concat) == concat(splits); which node gets which rows differs (DEVELOPING.md)."
    def make(lib):
        from importlib import import_module
        split = import_module(f"{lib.__name__}.distributed").split_dataset_by_node
        a = lib.IterableDataset.from_dict({"a": list(range(12))}, num_shards=3)
        b = lib.IterableDataset.from_dict({"a": list(range(100, 112))}, num_shards=5)
        whole = [[ex["a"] for ex in split(lib.concatenate_datasets([a, b]), rank=r, world_size=2)] for r in range(2)]
        parts = [[ex["a"] for ex in lib.concatenate_datasets([split(a, rank=r, world_size=2), split(b, rank=r, world_size=2)])] for r in range(2)]
        return whole == parts, sorted(x for rows in whole for x in rows), all(whole)
    hf, dk = _both(make)
    assert dk == hf == (True, list(range(12)) + list(range(100, 112)), True)


def test_csv_converters_and_encoding_errors(tmp_path):
    (tmp_path / "p.csv").write_text("name,price\nA,$1.50\nB,$20\n")
    (tmp_path / "l.csv").write_bytes("word\ncaf\xe9\n".encode("latin-1"))
    def make(lib):
        cache = str(tmp_path / lib.__name__)
        prices = lib.load_dataset("csv", data_files=str(tmp_path / "p.csv"), split="train", cache_dir=cache,
                                  converters={"price": lambda s: float(s.strip("$"))})["price"]
        words = lib.load_dataset("csv", data_files=str(tmp_path / "l.csv"), split="train", cache_dir=cache,
                                 encoding_errors="replace")["word"]
        return list(prices), list(words)
    hf, dk = _both(make)
    assert dk == hf == ([1.5, 20.0], ["caf\ufffd"])


def test_unequal_gen_kwargs_lists_make_one_job_in_one_process(tmp_path):
    def make(lib):
        class Uneven(lib.GeneratorBasedBuilder):
            def _info(self): return lib.DatasetInfo(features=lib.Features({"x": lib.Value("int64")}))
            def _split_generators(self, dl_manager):
                return [lib.SplitGenerator(name="train", gen_kwargs={"files": [1, 2, 3], "weights": [10, 20]})]
            def _generate_examples(self, files, weights):
                for i, f in enumerate(files): yield i, {"x": f * sum(weights)}
        b = Uneven(cache_dir=str(tmp_path / lib.__name__))
        b.download_and_prepare()
        return list(b.as_dataset("train")["x"])
    hf, dk = _both(make)
    assert dk == hf == [30, 60, 90]


def test_sort_null_placement_spellings():
    def make(lib):
        ds = lib.Dataset.from_dict({"a": [2, None, 1]})
        return [list(ds.sort("a", null_placement=p)["a"]) for p in ("first", "last", "at_start", "at_end")]
    hf, dk = _both(make)
    assert dk == hf


def test_iter_archive_of_an_archive_member(tmp_path):
    import tarfile
    (tmp_path / "x.jsonl").write_text('{"a": 1}\n')
    with tarfile.open(tmp_path / "inner.tar", "w") as t: t.add(tmp_path / "x.jsonl", arcname="x.jsonl")
    with tarfile.open(tmp_path / "outer.tar", "w") as t: t.add(tmp_path / "inner.tar", arcname="inner.tar")
    def make(lib):
        dl = lib.DownloadManager()
        return [(p, [(q, g.read()) for q, g in dl.iter_archive(f)]) for p, f in dl.iter_archive(str(tmp_path / "outer.tar"))]
    hf, dk = _both(make)
    assert dk == hf == [("inner.tar", [("x.jsonl", b'{"a": 1}\n')])]
