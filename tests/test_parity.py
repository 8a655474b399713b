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
