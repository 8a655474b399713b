"load_dataset on packaged builders from temporary folders, checked against the reference `datasets` where useful."
import gzip, json, os

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import PIL.Image

from dataset_kit.core import disable_progress_bar
from dataset_kit.load import load_dataset, load_dataset_builder, load_from_disk
from dataset_kit.features import Features, Value, ClassLabel

disable_progress_bar()


@pytest.fixture
def cache(tmp_path):
    return str(tmp_path / "cache")


def hf_load(*args, **kwargs):
    hf = pytest.importorskip("datasets")
    hf.disable_progress_bars()
    return hf.load_dataset(*args, **kwargs)


# ---- CSV ---------------------------------------------------------------------------------------------------

def test_csv_matches_datasets(tmp_path, cache):
    rows = ["id,text,score,flag,when"] + [f"{i},row {i},{i / 4},{'true' if i % 2 else 'false'},2024-01-{i % 28 + 1:02d}" for i in range(500)]
    rows.append("500,,1.5,true,")
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "test.csv").write_text("id,text,score,flag,when\n1,x,0.5,false,2024-02-01\n")
    files = {"train": str(tmp_path / "train.csv"), "test": str(tmp_path / "test.csv")}
    ours = load_dataset("csv", data_files=files, cache_dir=cache)
    theirs = hf_load("csv", data_files=files, cache_dir=str(tmp_path / "hf"))
    for split in ("train", "test"):
        assert ours[split].to_pandas().to_dict("list") == theirs[split].to_pandas().to_dict("list")
        assert list(ours[split].features) == list(theirs[split].features)


def test_csv_options_and_features(tmp_path, cache):
    (tmp_path / "a.tsv").write_text("# comment-free\nname\tlabel\nann\tpos\nbob\tneg\n\nbob\tNA\n")
    feats = Features({"name": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    ds = load_dataset("csv", data_files=str(tmp_path / "a.tsv"), sep="\t", skiprows=1, features=feats, split="train", cache_dir=cache)
    assert ds["label"] == [1, 0, None] and ds.features == feats
    ds = load_dataset("csv", data_files=str(tmp_path / "a.tsv"), sep="\t", skiprows=2, header=None, names=["who", "what"],
                      split="train", cache_dir=cache, nrows=2)
    assert ds.to_dict() == {"who": ["ann", "bob"], "what": ["pos", "neg"]}
    with pytest.raises(NotImplementedError, match="thousands"):
        load_dataset("csv", data_files=str(tmp_path / "a.tsv"), thousands=",", cache_dir=cache)
    with pytest.raises(ValueError, match=r"labels \['maybe'\] are not among"):
        (tmp_path / "b.csv").write_text("name,label\nx,maybe\n")
        load_dataset("csv", data_files=str(tmp_path / "b.csv"), features=feats, cache_dir=cache)


@pytest.mark.parametrize("labels", [["1", "0"], ["pos", " 0", "-1"], ["1", ""]], ids=["digits", "mixed", "empty"])
def test_csv_integer_labels_with_classlabel_match_datasets(tmp_path, cache, labels):
    hf = pytest.importorskip("datasets")
    (tmp_path / "cl.csv").write_text("text,label\n" + "".join(f"t{i},{l}\n" for i, l in enumerate(labels)))
    names = ["neg", "pos"]
    ours = load_dataset("csv", data_files=str(tmp_path / "cl.csv"), split="train", cache_dir=cache,
                        features=Features({"text": Value("string"), "label": ClassLabel(names=names)}))
    theirs = hf_load("csv", data_files=str(tmp_path / "cl.csv"), split="train", cache_dir=str(tmp_path / "hf"),
                     features=hf.Features({"text": hf.Value("string"), "label": hf.ClassLabel(names=names)}))
    assert ours.to_dict() == theirs.to_dict()
    (tmp_path / "bad.csv").write_text("text,label\nx,2\n")
    with pytest.raises(ValueError, match=r"labels \['2'\] are not among .* nor integers in \[-1, 2\)"):
        load_dataset("csv", data_files=str(tmp_path / "bad.csv"), cache_dir=cache,
                     features=Features({"text": Value("string"), "label": ClassLabel(names=names)}))


def test_compressed_csv_and_data_dir_split_inference(tmp_path, cache):
    d = tmp_path / "data"
    d.mkdir()
    with gzip.open(d / "train-00.csv.gz", "wt") as f: f.write("a\n1\n2\n")
    (d / "validation.csv").write_text("a\n3\n")
    (d / "README.md").write_text("# not data\n")
    dd = load_dataset("csv", data_dir=str(d), cache_dir=cache)
    assert {k: v["a"] for k, v in dd.items()} == {"train": [1, 2], "validation": [3]}


def test_missing_files_show_the_pattern(tmp_path, cache):
    with pytest.raises(FileNotFoundError, match=r"Unable to find 'nope/\*\.csv'"):
        load_dataset("csv", data_files={"train": "nope/*.csv"}, cache_dir=cache)
    with pytest.raises(ValueError, match="At least one data file"):
        load_dataset("csv", cache_dir=cache)


# ---- JSON --------------------------------------------------------------------------------------------------

def test_json_lines_array_and_field(tmp_path, cache):
    recs = [{"q": f"question {i}", "n": i, "tags": ["a"] * (i % 3), "meta": {"ok": i % 2 == 0}} for i in range(50)]
    (tmp_path / "l.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    (tmp_path / "a.json").write_text(json.dumps(recs, indent=2))
    (tmp_path / "f.json").write_text(json.dumps({"version": "1", "data": recs}))
    lines = load_dataset("json", data_files=str(tmp_path / "l.jsonl"), split="train", cache_dir=cache)
    array = load_dataset("json", data_files=str(tmp_path / "a.json"), split="train", cache_dir=cache)
    field = load_dataset("json", data_files=str(tmp_path / "f.json"), field="data", split="train", cache_dir=cache)
    assert lines.to_list() == array.to_list() == field.to_list() == recs
    theirs = hf_load("json", data_files=str(tmp_path / "l.jsonl"), split="train", cache_dir=str(tmp_path / "hf"))
    assert theirs.to_list() == recs and list(theirs.features) == list(lines.features)


def test_json_bad_line_names_file_and_line(tmp_path, cache):
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\n{"a": 2,,}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl, line 2: invalid JSON"):
        load_dataset("json", data_files=str(tmp_path / "bad.jsonl"), cache_dir=cache)


# ---- Parquet, Arrow, text ----------------------------------------------------------------------------------

def test_parquet_keeps_features_and_matches_datasets(tmp_path, cache):
    feats = Features({"x": Value("int32"), "label": ClassLabel(names=["a", "b"])})
    t = feats.encode_to_arrow({"x": list(range(100)), "label": [i % 2 for i in range(100)]})
    pq.write_table(t, tmp_path / "train.parquet", row_group_size=30)
    ds = load_dataset("parquet", data_files=str(tmp_path / "train.parquet"), split="train", cache_dir=cache)
    assert ds.features == feats and ds["x"] == list(range(100))
    theirs = hf_load("parquet", data_files=str(tmp_path / "train.parquet"), split="train", cache_dir=str(tmp_path / "hf"))
    assert theirs.features["label"].names == ["a", "b"] and list(theirs["label"]) == list(ds["label"])
    few = load_dataset("parquet", data_files=str(tmp_path / "train.parquet"), split="train", cache_dir=cache,
                       columns=["x"], filters=[("x", "<", 3)])
    assert few.to_dict() == {"x": [0, 1, 2]}


def test_arrow_files(tmp_path, cache):
    with pa.OSFile(str(tmp_path / "d.arrow"), "wb") as f, pa.ipc.new_file(f, pa.schema([("v", pa.float32())])) as w:
        w.write_table(pa.table({"v": pa.array([0.5, 1.5], pa.float32())}))
    ds = load_dataset("arrow", data_files=str(tmp_path / "d.arrow"), split="train", cache_dir=cache)
    assert ds["v"] == [0.5, 1.5] and ds.features["v"] == Value("float32")


def test_text_matches_datasets(tmp_path, cache):
    (tmp_path / "t.txt").write_text("first line\nsecond\n\nthird after blank\nlast without newline")
    for kw in [{}, {"keep_linebreaks": True}, {"sample_by": "paragraph"}, {"sample_by": "document"}]:
        ours = load_dataset("text", data_files=str(tmp_path / "t.txt"), split="train", cache_dir=cache, **kw)
        theirs = hf_load("text", data_files=str(tmp_path / "t.txt"), split="train", cache_dir=str(tmp_path / "hf"), **kw)
        assert list(ours["text"]) == list(theirs["text"]), kw


# ---- image and audio folders -------------------------------------------------------------------------------

def _png(path, value, size=(6, 5)):
    path.parent.mkdir(parents=True, exist_ok=True)
    PIL.Image.fromarray(np.full((size[1], size[0], 3), value, np.uint8)).save(path)


def test_imagefolder_labels_from_folders(tmp_path, cache):
    for split, label, i in [("train", "cat", 0), ("train", "dog", 1), ("train", "dog", 2), ("test", "cat", 3), ("test", "dog", 4)]:
        _png(tmp_path / "pets" / split / label / f"{i}.png", 40 * i)
    dd = load_dataset("imagefolder", data_dir=str(tmp_path / "pets"), cache_dir=cache)
    assert {k: len(v) for k, v in dd.items()} == {"train": 3, "test": 2}
    assert dd["train"].features["label"].names == ["cat", "dog"] and dd["train"]["label"] == [0, 1, 1]
    img = dd["test"][1]["image"]
    assert isinstance(img, PIL.Image.Image) and img.size == (6, 5) and np.asarray(img)[0, 0, 0] == 160
    theirs = hf_load("imagefolder", data_dir=str(tmp_path / "pets"), cache_dir=str(tmp_path / "hf"))
    assert list(theirs["train"]["label"]) == list(dd["train"]["label"])
    assert theirs["train"].features["label"].names == dd["train"].features["label"].names


def test_imagefolder_metadata_jsonl_and_csv(tmp_path, cache):
    root = tmp_path / "captions"
    for i in range(4): _png(root / "imgs" / f"{i}.png", i)
    (root / "metadata.jsonl").write_text("".join(json.dumps({"file_name": f"imgs/{i}.png", "caption": f"c{i}", "n": i}) + "\n" for i in range(4)))
    ds = load_dataset("imagefolder", data_dir=str(root), split="train", cache_dir=cache)
    assert list(ds.features) == ["image", "caption", "n"] and ds["caption"] == ["c0", "c1", "c2", "c3"]
    assert np.asarray(ds[3]["image"])[0, 0, 0] == 3
    root2 = tmp_path / "csvmeta"
    for i in range(2): _png(root2 / f"{i}.png", i)
    (root2 / "metadata.csv").write_text("file_name,score\n0.png,0.5\n1.png,0.25\n")
    ds = load_dataset("imagefolder", data_dir=str(root2), split="train", cache_dir=cache)
    assert ds["score"] == [0.5, 0.25] and ds[1]["image"].size == (6, 5)
    (root2 / "metadata.csv").write_text("file_name,score\n../../etc/passwd,0.5\n")
    with pytest.raises(ValueError, match="Invalid metadata file_name"):
        load_dataset("imagefolder", data_dir=str(root2), split="train", cache_dir=cache)


def test_audiofolder(tmp_path, cache):
    sf = pytest.importorskip("soundfile")
    for label in ["yes", "no"]:
        (tmp_path / "a" / label).mkdir(parents=True)
        sf.write(tmp_path / "a" / label / "clip.wav", np.linspace(-0.5, 0.5, 800, dtype=np.float32), 8000)
    ds = load_dataset("audiofolder", data_dir=str(tmp_path / "a"), split="train", cache_dir=cache)
    assert ds.features["label"].names == ["no", "yes"]
    audio = ds[0]["audio"]
    arr = audio["array"] if isinstance(audio, dict) else audio.get_all_samples().data if hasattr(audio, "get_all_samples") else audio.array
    assert np.asarray(arr).size == 800


# ---- the rest of load_dataset ------------------------------------------------------------------------------

def test_num_proc_gives_the_same_rows(tmp_path, cache):
    for i in range(4): (tmp_path / f"part{i}.csv").write_text("a,b\n" + "".join(f"{i * 100 + j},{j}\n" for j in range(100)))
    files = sorted(str(p) for p in tmp_path.glob("part*.csv"))
    one = load_dataset("csv", data_files=files, split="train", cache_dir=cache)
    two = load_dataset("csv", data_files=files, split="train", cache_dir=str(tmp_path / "c2"), num_proc=2)
    assert one["a"] == two["a"] == list(range(400))


def test_split_specs_and_reuse(tmp_path, cache):
    (tmp_path / "train.csv").write_text("a\n" + "".join(f"{i}\n" for i in range(100)))
    ds = load_dataset("csv", data_files=str(tmp_path / "train.csv"), split="train[10%:20%]", cache_dir=cache)
    assert ds["a"] == list(range(10, 20))
    b = load_dataset_builder("csv", data_files=str(tmp_path / "train.csv"), cache_dir=cache)
    assert os.path.isfile(os.path.join(b.cache_dir, "dataset_info.json"))  # prepared once, reused
    with pytest.raises(ValueError, match="validaton"):
        load_dataset("csv", data_files=str(tmp_path / "train.csv"), split="validaton", cache_dir=cache)
    (tmp_path / "train.csv").write_text("a\n1\n")  # an edited file is a new config id, not a stale cache
    assert load_dataset("csv", data_files=str(tmp_path / "train.csv"), split="train", cache_dir=cache)["a"] == [1]


def test_unsupported_parameters_raise(tmp_path, cache):
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(NotImplementedError, match="revision"):
        load_dataset("csv", data_files=str(tmp_path / "x.csv"), revision="v1", cache_dir=cache)
    with pytest.raises(NotImplementedError, match="save_infos"):
        load_dataset("csv", data_files=str(tmp_path / "x.csv"), save_infos=True, cache_dir=cache)


def test_local_script_and_class(tmp_path, cache):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "ds.py").write_text(
        "import dataset_kit as dk\n"
        "class Tiny(dk.GeneratorBasedBuilder):\n"
        "    def _info(self): return dk.DatasetInfo(features=dk.Features({'v': dk.Value('int64')}))\n"
        "    def _split_generators(self, dl_manager): return [dk.SplitGenerator(name='train', gen_kwargs={'n': 5})]\n"
        "    def _generate_examples(self, n):\n"
        "        for i in range(n): yield i, {'v': i}\n")
    ds = load_dataset(str(tmp_path / "ds" / "ds.py"), split="train", cache_dir=cache, save_infos=True)
    assert ds["v"] == list(range(5))
    assert json.load(open(tmp_path / "ds" / "dataset_infos.json"))["default"]["splits"]["train"]["num_examples"] == 5
    cls = type(load_dataset_builder(str(tmp_path / "ds"), cache_dir=cache))
    assert load_dataset(cls, split="train[:2]", cache_dir=cache)["v"] == [0, 1]


def test_streaming_reads_the_source(tmp_path, cache):
    (tmp_path / "s.jsonl").write_text("".join(json.dumps({"i": i}) + "\n" for i in range(5)))
    it = load_dataset("json", data_files=str(tmp_path / "s.jsonl"), split="train", streaming=True, cache_dir=cache)
    assert [ex["i"] for ex in it] == list(range(5))
    assert not os.path.exists(cache) or not any("json" in d for d in os.listdir(cache))



def test_streaming_split_specs_match_the_prepared_slices(tmp_path, cache):
    for name, n in [("train", 100), ("test", 20)]:
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps({"i": i, "s": name}) + "\n" for i in range(n)))
    files = {k: str(tmp_path / f"{k}.jsonl") for k in ("train", "test")}
    it = load_dataset("json", data_files=files, split="train[10:20]+test[:5]", streaming=True, cache_dir=cache)
    assert [(ex["s"], ex["i"]) for ex in it] == [("train", i) for i in range(10, 20)] + [("test", i) for i in range(5)]
    with pytest.raises(ValueError, match="number of examples of 'train'"):
        load_dataset("json", data_files=files, split="train[:10%]", streaming=True, cache_dir=cache)
    spec = "train[10%:20%]+test[-5%:]"  # once prepared, the cached info knows the sizes: percent bounds stream too
    prepared = load_dataset("json", data_files=files, split=spec, cache_dir=cache)
    streamed = load_dataset("json", data_files=files, split=spec, streaming=True, cache_dir=cache)
    assert [ex["i"] for ex in streamed] == prepared["i"] == list(range(10, 20)) + [19]
    with pytest.raises(ValueError, match="Unknown split"):
        list(load_dataset("json", data_files=files, split="valid[:3]", streaming=True, cache_dir=cache))

def test_load_from_disk_round_trip(tmp_path, cache):
    (tmp_path / "x.csv").write_text("a\n1\n2\n")
    dd = load_dataset("csv", data_files=str(tmp_path / "x.csv"), cache_dir=cache)
    dd.save_to_disk(str(tmp_path / "saved"))
    dd["train"].save_to_disk(str(tmp_path / "one"))
    assert load_from_disk(str(tmp_path / "saved"))["train"]["a"] == [1, 2]
    assert load_from_disk(str(tmp_path / "one"))["a"] == [1, 2]


def test_path_is_a_data_folder_or_file(tmp_path, cache):
    d = tmp_path / "mydata"
    d.mkdir()
    (d / "train.jsonl").write_text('{"a": 1}\n{"a": 2}\n')
    (d / "test.jsonl").write_text('{"a": 3}\n')
    dd = load_dataset(str(d), cache_dir=cache)
    assert {k: v["a"] for k, v in dd.items()} == {"train": [1, 2], "test": [3]}
    assert load_dataset(str(d / "test.jsonl"), split="train", cache_dir=cache)["a"] == [3]
    imgs = tmp_path / "imgs"
    for label in ["a", "b"]: _png(imgs / label / "x.png", 9)
    assert load_dataset(str(imgs), split="train", cache_dir=cache).features["label"].names == ["a", "b"]


def test_imagefolder_from_patterns_drop_labels_and_filters(tmp_path, cache):
    for label, i in [("cat", 0), ("dog", 1), ("dog", 2)]: _png(tmp_path / "p" / label / f"{i}.png", i)
    pattern = str(tmp_path / "p" / "**" / "*.png")
    ds = load_dataset("imagefolder", data_files={"train": pattern}, split="train", cache_dir=cache)
    assert ds["label"] == [0, 1, 1]
    ds = load_dataset("imagefolder", data_files=pattern, drop_labels=True, split="train", cache_dir=cache)
    assert list(ds.features) == ["image"]
    (tmp_path / "p" / "metadata.jsonl").write_text("".join(json.dumps({"file_name": f"{l}/{i}.png", "n": i}) + "\n"
                                                       for l, i in [("cat", 0), ("dog", 1), ("dog", 2)]))
    ds = load_dataset("imagefolder", data_dir=str(tmp_path / "p"), filters=[("n", ">", 0)], split="train", cache_dir=cache)
    assert ds["n"] == [1, 2] and "label" not in ds.features
    ds = load_dataset("imagefolder", data_dir=str(tmp_path / "p"), drop_metadata=True, split="train", cache_dir=cache)
    assert list(ds.features) == ["image", "label"]


def test_imagefolder_zip_archive(tmp_path, cache):
    import zipfile
    for label, i in [("cat", 0), ("dog", 1)]: _png(tmp_path / "src" / label / f"{i}.png", 100 + i)
    with zipfile.ZipFile(tmp_path / "train.zip", "w") as z:
        for p in sorted((tmp_path / "src").rglob("*.png")): z.write(p, p.relative_to(tmp_path / "src"))
    ds = load_dataset("imagefolder", data_files={"train": str(tmp_path / "train.zip")}, split="train", cache_dir=cache)
    assert ds.features["label"].names == ["cat", "dog"] and ds["label"] == [0, 1]
    assert np.asarray(ds[1]["image"])[0, 0, 0] == 101


def test_big_csv_path_streams_blocks_with_the_same_result(tmp_path, cache, monkeypatch):
    import dataset_kit.file_readers as file_readers
    (tmp_path / "x.csv").write_text("a,b,when\n" + "".join(f"{i},{i / 2},2020-01-{i % 28 + 1:02d}\n" for i in range(3000)))
    whole = load_dataset("csv", data_files=str(tmp_path / "x.csv"), split="train", cache_dir=cache)
    monkeypatch.setattr(file_readers, "_STREAM_ABOVE", 0)  # every file takes the block-streaming path
    streamed = load_dataset("csv", data_files=str(tmp_path / "x.csv"), split="train", cache_dir=str(tmp_path / "c2"))
    assert streamed.to_dict() == whole.to_dict() and streamed.features == whole.features


def test_remote_files_through_fsspec(cache):
    import fsspec, uuid
    root = f"/bucket-{uuid.uuid4().hex[:6]}"
    fsspec.filesystem("memory").pipe({f"{root}/train.csv": b"a,b\n1,x\n2,y\n", f"{root}/test.csv": b"a,b\n3,z\n"})
    dd = load_dataset("csv", data_dir=f"memory://{root}", cache_dir=cache)
    assert {k: v["a"] for k, v in dd.items()} == {"train": [1, 2], "test": [3]}
    it = load_dataset("csv", data_files={"test": f"memory://{root}/test.csv"}, split="test", streaming=True)
    assert list(it) == [{"a": 3, "b": "z"}]


CSV_OPTION_CASES = [
    {}, {"header": None}, {"names": ["x", "y", "z"]}, {"header": 0, "names": ["x", "y", "z"]}, {"usecols": ["a", "c"]},
    {"usecols": [0, 2]}, {"skiprows": 1, "header": None}, {"na_values": ["zero"]}, {"keep_default_na": False},
    {"na_filter": False}, {"true_values": ["yes"], "false_values": ["no"]}, {"nrows": 2}, {"sep": ";"},
]

@pytest.mark.parametrize("opts", CSV_OPTION_CASES, ids=[str(o) for o in CSV_OPTION_CASES])
def test_csv_options_match_datasets(tmp_path, cache, opts):
    sep = opts.get("sep", ",")
    rows = [["a", "b", "c"], ["1", "zero", "yes"], ["2", "", "no"], ["3", "NA", "yes"], ["4", "x y", "no"]]
    (tmp_path / "o.csv").write_text("".join(sep.join(r) + "\n" for r in rows))
    ours = load_dataset("csv", data_files=str(tmp_path / "o.csv"), split="train", cache_dir=cache, **opts)
    theirs = hf_load("csv", data_files=str(tmp_path / "o.csv"), split="train", cache_dir=str(tmp_path / "hf"), **opts)
    assert ours.to_dict() == theirs.to_dict()


JSON_CASES = {"mixed": [{"v": 1}, {"v": "one"}, {"v": [1]}], "missing_keys": [{"a": 1}, {"b": "x"}, {"a": 2, "b": "y"}],
              "nested": [{"a": {"b": [1, 2], "c": "x"}}, {"a": {"b": [], "c": None}}], "ints_then_floats": [{"a": 1}, {"a": 1.5}]}

@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_json_types_match_datasets(tmp_path, cache, case):
    (tmp_path / "j.jsonl").write_text("".join(json.dumps(r) + "\n" for r in JSON_CASES[case]))
    ours = load_dataset("json", data_files=str(tmp_path / "j.jsonl"), split="train", cache_dir=cache)
    theirs = hf_load("json", data_files=str(tmp_path / "j.jsonl"), split="train", cache_dir=str(tmp_path / "hf"))
    assert ours.to_list() == theirs.to_list()
    assert {k: type(v).__name__ for k, v in ours.features.items()} == {k: type(v).__name__ for k, v in theirs.features.items()}


def _member_texts(archive):
    return [(name, f.read().decode()) for name, f in archive]


def test_iter_archive_goes_to_spawned_processes(tmp_path):
    "What a builder puts in gen_kwargs (`dl_manager.iter_archive(...)`) must pickle for num_proc / DataLoader workers."
    import multiprocessing, zipfile
    from dataset_kit.download import DownloadManager
    from dataset_kit.streaming import StreamingDownloadManager
    paths = []
    for k in range(2):
        paths.append(str(tmp_path / f"part{k}.zip"))
        with zipfile.ZipFile(paths[-1], "w") as z:
            for i in range(3): z.writestr(f"f{i}.txt", f"{k}-{i}")
    archives = [m.iter_archive(p) for m in (DownloadManager(), StreamingDownloadManager()) for p in paths]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        got = pool.map(_member_texts, archives)
    assert got == [_member_texts(a) for a in archives]
    assert got[1] == [(f"f{i}.txt", f"1-{i}") for i in range(3)]


def test_importing_load_and_cli_leaves_heavy_optional_packages_unimported(tmp_path):
    "pandas, matplotlib, scipy, dask, requests and tqdm are imported where they are used, not by `import dataset_kit.load`."
    import subprocess, sys
    code = ("import sys, dataset_kit.load, dataset_kit.cli, dataset_kit.arrow_dataset, dataset_kit.iterable_dataset; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'scipy', 'dask', 'distributed', 'requests', 'tqdm') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(tmp_path),
                         env={**os.environ, "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[1])})
    assert res.returncode == 0, res.stderr[-500:]
    assert res.stdout.strip() == "[]"


# ---- archives given as data_files (issue 18): every member read, as datasets reads them -----------------------

def _archives(tmp_path, members):
    "The same members as x.zip and x.tar.gz."
    import io, tarfile, zipfile
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as z:
        for name, data in members.items(): z.writestr(name, data)
    with tarfile.open(tmp_path / "x.tar.gz", "w:gz") as t:
        for name, data in members.items():
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    return [str(tmp_path / "x.zip"), str(tmp_path / "x.tar.gz")]


@pytest.mark.parametrize("builder,members", [
    ("text", {"a/1.txt": b"one\ntwo\n", "a/2.txt": b"three\n", "b.txt": b"four\nfive\n", "__MACOSX/._b.txt": b"junk"}),
    ("json", {"p1.jsonl": b'{"a": 1}\n{"a": 2}\n', "p2.jsonl": b'{"a": 3}\n', "sub/p3.jsonl": b'{"a": 4}\n{"a": 5}\n'}),
    ("csv", {"p1.csv": b"a,b\n1,x\n2,y\n", "p2.csv": b"a,b\n3,z\n", "sub/p3.csv": b"a,b\n4,w\n5,v\n"}),
])
def test_archives_as_data_files_read_every_member_like_datasets(tmp_path, cache, builder, members):
    for archive in _archives(tmp_path, members):
        ours = load_dataset(builder, data_files=archive, split="train", cache_dir=cache)
        theirs = hf_load(builder, data_files=archive, split="train", cache_dir=str(tmp_path / "hf"))
        assert ours.to_list() == theirs.to_list() and len(ours) == 5, (archive, ours.to_list())
        streamed = load_dataset(builder, data_files=archive, split="train", streaming=True) if archive.endswith(".zip") else ours
        assert list(streamed) == ours.to_list()
