"Integration tests of the builder layer: SIGKILL + resume, concurrent prepares, num_proc, Dask, fsspec outputs."
import glob, json, os, signal, subprocess, sys, time

import pyarrow as pa
import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
for p in (ROOT, TESTS):  # worker processes (pool, Dask) import this module and dataset_kit by name
    if p not in sys.path: sys.path.insert(0, p)

from dataset_kit.builder import (GeneratorBasedBuilder, ArrowBasedBuilder, NonMatchingSplitsSizesError,
                                 DuplicateKeysError)
from dataset_kit.core import disable_progress_bar
from dataset_kit.download import NonMatchingChecksumError
from dataset_kit.features import ClassLabel, Features, Value
from dataset_kit.info import DatasetInfo
from dataset_kit.splits import Split, SplitGenerator, SplitInfo

disable_progress_bar()
ROWS_PER_CHUNK = 500


class Numbers(GeneratorBasedBuilder):
    """`NUMBERS_CHUNKS` chunks of 500 rows in 'train', two in 'test'. Environment knobs for the tests:
    NUMBERS_DELAY (seconds per example), NUMBERS_LOG (a file where `_split_generators` appends its pid),
    NUMBERS_PIDS (a file where each generator appends its pid)."""
    def _info(self):
        return DatasetInfo(features=Features({"id": Value("int64"), "text": Value("string"),
                                              "label": ClassLabel(names=["a", "b", "c"])}))

    def _split_generators(self, dl_manager):
        if log := os.environ.get("NUMBERS_LOG"):
            with open(log, "a") as f: f.write(f"{os.getpid()}\n")
        n = int(os.environ.get("NUMBERS_CHUNKS", "8"))
        return [SplitGenerator(Split.TRAIN, {"chunks": list(range(n))}),
                SplitGenerator(Split.TEST, {"chunks": [100, 101]})]

    def _generate_examples(self, chunks):
        if pids := os.environ.get("NUMBERS_PIDS"):
            with open(pids, "a") as f: f.write(f"{os.getpid()}\n")
        delay = float(os.environ.get("NUMBERS_DELAY", "0"))
        for c in chunks:
            for i in range(ROWS_PER_CHUNK):
                if delay: time.sleep(delay)
                k = c * ROWS_PER_CHUNK + i
                yield k, {"id": k, "text": f"row {k}", "label": k % 3}


class Counting(Numbers):
    "Numbers that counts the examples it encodes (in this process)."
    encoded = 0
    def _encode_rows(self, keys, rows, features):
        Counting.encoded += len(rows)
        return super()._encode_rows(keys, rows, features)


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASET_KIT_CACHE", str(tmp_path / "cache"))
    for k in ("NUMBERS_DELAY", "NUMBERS_LOG", "NUMBERS_PIDS", "NUMBERS_CHUNKS"): monkeypatch.delenv(k, raising=False)


def tables(builder):
    return {s: builder.as_dataset(s).data.table for s in ("train", "test")}


def assert_same_rows(a, b):
    for s in a: assert a[s].equals(b[s]), f"split {s} differs"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    "The rows of an uninterrupted, single-process prepare."
    b = Numbers(cache_dir=str(tmp_path_factory.mktemp("ref")))
    b.download_and_prepare()
    return tables(b)


def _prepare_cmd(cache, extra=""):
    return [sys.executable, "-c",
            f"import sys; sys.path[:0] = [{ROOT!r}, {TESTS!r}]; import test_builder as t; "
            f"t.Numbers(cache_dir={cache!r}, writer_batch_size=100).download_and_prepare(max_shard_size=4000{extra})"]


def test_sigkill_then_resume(tmp_path, reference):
    cache = str(tmp_path / "c")
    env = dict(os.environ, NUMBERS_DELAY="0.0004")
    proc = subprocess.Popen(_prepare_cmd(cache), env=env)
    pattern = f"{cache}/**/*.incomplete/jobs/*/*/shard-*.json"
    deadline = time.time() + 30
    while len(glob.glob(pattern, recursive=True)) < 6 and time.time() < deadline and proc.poll() is None: time.sleep(0.02)
    assert proc.poll() is None, "the prepare finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL); proc.wait()
    b = Counting(cache_dir=cache, writer_batch_size=100, hash=Numbers(cache_dir=cache).hash, dataset_name="numbers")
    assert not os.path.exists(os.path.join(b.cache_dir, "dataset_info.json")), "a killed prepare must not look complete"
    done = len(glob.glob(pattern, recursive=True))
    Counting.encoded = 0
    b.download_and_prepare(max_shard_size=4000)
    total = 8 * ROWS_PER_CHUNK + 2 * ROWS_PER_CHUNK
    assert 0 < Counting.encoded <= total - done * 100, "the resumed prepare must not redo finished shards"
    assert_same_rows(tables(b), reference)
    assert not os.path.exists(b.cache_dir + ".incomplete")
    leftovers = [f for f in os.listdir(b.cache_dir) if not (f.endswith(".arrow") or f == "dataset_info.json")]
    assert leftovers == []


class StartLog(Numbers):
    "Numbers that appends the chunks each generator call receives to the file named by NUMBERS_STARTS."
    def _generate_examples(self, chunks):
        with open(os.environ["NUMBERS_STARTS"], "a") as f: f.write(f"{chunks}\n")
        yield from super()._generate_examples(chunks)


def test_sigkill_plain_prepare_does_not_restart_finished_jobs(tmp_path, reference, monkeypatch):
    "num_proc=None: the 8 train chunks are 8 jobs run in order; after kill -9 only the unfinished ones start again."
    cache = str(tmp_path / "c")
    proc = subprocess.Popen(_prepare_cmd(cache), env=dict(os.environ, NUMBERS_DELAY="0.0004"))
    done = f"{cache}/**/*.incomplete/jobs/train-*/*/done.json"
    deadline = time.time() + 60
    while len(glob.glob(done, recursive=True)) < 3 and time.time() < deadline and proc.poll() is None: time.sleep(0.02)
    assert proc.poll() is None, "the prepare finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL); proc.wait()
    finished = {int(os.path.basename(os.path.dirname(p))) for p in glob.glob(done, recursive=True)}
    assert 3 <= len(finished) < 8 and finished == set(range(len(finished))), finished   # in order
    monkeypatch.setenv("NUMBERS_STARTS", str(tmp_path / "starts"))
    b = StartLog(cache_dir=cache, writer_batch_size=100, hash=Numbers(cache_dir=cache).hash, dataset_name="numbers")
    b.download_and_prepare(max_shard_size=4000)
    started = [eval(line) for line in open(tmp_path / "starts")]
    assert sorted(c for cs in started for c in cs if c < 100) == sorted(set(range(8)) - finished)
    assert_same_rows(tables(b), reference)


def _children(pid):
    "Pids of the live child processes of `pid` (Linux /proc)."
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit(): continue
        try: fields = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
        except OSError: continue
        if int(fields[1]) == pid and fields[0] not in "ZX": out.append(int(d))
    return out


def _alive(pid):
    try: return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in "ZX"   # a zombie is dead
    except OSError: return False


def _wait_dead(pids, timeout=10):
    deadline = time.time() + timeout
    while any(map(_alive, pids)) and time.time() < deadline: time.sleep(0.05)
    return [p for p in pids if _alive(p)]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_sigkill_with_num_proc_then_resume(tmp_path, reference):
    cache = str(tmp_path / "c")
    env = dict(os.environ, NUMBERS_DELAY="0.0004")
    proc = subprocess.Popen(_prepare_cmd(cache, ", num_proc=2"), env=env)
    pattern = f"{cache}/**/*.incomplete/jobs/*/*/shard-*.json"
    deadline = time.time() + 30
    while len(glob.glob(pattern, recursive=True)) < 6 and time.time() < deadline and proc.poll() is None: time.sleep(0.02)
    assert proc.poll() is None
    workers = _children(proc.pid)
    assert len(workers) >= 2, "the pool workers should be running"
    os.kill(proc.pid, signal.SIGKILL); proc.wait()   # it cannot shut its pool down: the workers must die with it
    survivors = _wait_dead(workers)
    for p in survivors: os.kill(p, signal.SIGKILL)   # never leave them behind, even when the test fails
    assert survivors == [], f"pool workers {survivors} outlived the killed prepare"
    b = Numbers(cache_dir=cache, writer_batch_size=100)
    b.download_and_prepare(max_shard_size=4000, num_proc=2)
    assert_same_rows(tables(b), reference)


def test_two_concurrent_prepares(tmp_path, reference):
    cache, log = str(tmp_path / "c"), str(tmp_path / "calls.log")
    env = dict(os.environ, NUMBERS_DELAY="0.0001", NUMBERS_LOG=log)
    procs = [subprocess.Popen(_prepare_cmd(cache), env=env) for _ in range(2)]
    assert [p.wait(60) for p in procs] == [0, 0]
    assert len(open(log).read().split()) == 1, "the second prepare must wait for the lock and reuse the result"
    b = Numbers(cache_dir=cache)
    assert_same_rows(tables(b), reference)


def test_num_proc_equals_single_process(tmp_path, reference, monkeypatch):
    pids = tmp_path / "pids"
    monkeypatch.setenv("NUMBERS_PIDS", str(pids))
    b = Numbers(cache_dir=str(tmp_path / "c"), writer_batch_size=300)
    b.download_and_prepare(num_proc=2, max_shard_size="8KB")
    workers = set(pids.read_text().split())   # a pool of 2 per split
    assert len(workers) >= 2 and str(os.getpid()) not in workers, "worker processes should have generated"
    assert len(b.info.splits["train"].shard_lengths) > 2
    assert_same_rows(tables(b), reference)


def test_dask_local_cluster_equals_single_process(tmp_path, reference, monkeypatch):
    distributed = pytest.importorskip("distributed")
    pids = tmp_path / "pids"
    monkeypatch.setenv("NUMBERS_PIDS", str(pids))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        b = Numbers(cache_dir=str(tmp_path / "c"))
        b.download_and_prepare(dask_client=client)
        assert_same_rows(tables(b), reference)
        c = Numbers(cache_dir=str(tmp_path / "d"))   # a scheduler address works too
        c.download_and_prepare(str(tmp_path / "out"), dask_client=cluster.scheduler_address, file_format="parquet")
        assert_same_rows(tables(c), reference)
    workers = set(pids.read_text().split())
    assert str(os.getpid()) not in workers and len(workers) == 2


def test_output_dir_urls(tmp_path, reference):
    b = Numbers()
    b.download_and_prepare(f"file://{tmp_path}/out", num_proc=2)
    assert_same_rows(tables(b), reference)
    m = Numbers()
    m.download_and_prepare("memory://bucket/numbers", file_format="parquet", max_shard_size="20KB")
    assert_same_rows(tables(m), reference)
    with pytest.raises(ValueError, match="in-process memory filesystem"):
        Numbers().download_and_prepare("memory://bucket/other", num_proc=2)


def test_download_modes_and_stale_shards(tmp_path, monkeypatch):
    log = tmp_path / "calls.log"
    monkeypatch.setenv("NUMBERS_LOG", str(log))
    b = Numbers(cache_dir=str(tmp_path / "c"), writer_batch_size=100)
    b.download_and_prepare(max_shard_size=4000)
    many = sorted(os.listdir(b.cache_dir))
    b.download_and_prepare()
    assert len(log.read_text().split()) == 1                      # reuse_dataset_if_exists: nothing redone
    b.download_and_prepare(download_mode="reuse_cache_if_exists")
    b.download_and_prepare(download_mode="force_redownload")      # one shard per split now: old shards go
    assert len(log.read_text().split()) == 3
    assert sorted(os.listdir(b.cache_dir)) == ["dataset_info.json", "numbers-test.arrow", "numbers-train.arrow"]
    assert len(many) > 10
    with pytest.raises(ValueError, match="Unknown DownloadMode"): b.download_and_prepare(download_mode="sometimes")


class Sized(Numbers):
    def _info(self):
        info = super()._info()
        info.splits = {"train": SplitInfo("train", num_examples=10), "test": SplitInfo("test", num_examples=1000)}
        return info


def test_split_size_verification(tmp_path):
    with pytest.raises(NonMatchingSplitsSizesError, match="train: expected 10 examples, got 4000"):
        Sized(cache_dir=str(tmp_path)).download_and_prepare()
    b = Sized(cache_dir=str(tmp_path))
    b.download_and_prepare(verification_mode="no_checks")
    assert b.info.splits["train"].num_examples == 4000


class FromFile(GeneratorBasedBuilder):
    "Reads lines of a local source file through the download manager; BAD_CHECKSUM sets a wrong expectation."
    def _info(self):
        info = DatasetInfo(features=Features({"line": Value("string")}))
        if os.environ.get("BAD_CHECKSUM"):
            info.download_checksums = {"lines.txt": {"num_bytes": 3, "checksum": "0" * 64}}
        return info

    def _split_generators(self, dl_manager):
        return [SplitGenerator("train", {"path": dl_manager.download("lines.txt")})]

    def _generate_examples(self, path):
        with open(path) as f:
            for i, line in enumerate(f): yield i, {"line": line.rstrip("\n")}


def test_all_checks_verifies_download_checksums(tmp_path, monkeypatch):
    (tmp_path / "lines.txt").write_text("a\nb\nc\n")
    b = FromFile(cache_dir=str(tmp_path / "c"), base_path=str(tmp_path))
    b.download_and_prepare(verification_mode="all_checks")
    assert b.info.download_checksums["lines.txt"]["num_bytes"] == 6
    assert b.as_dataset("train")["line"] == ["a", "b", "c"]
    monkeypatch.setenv("BAD_CHECKSUM", "1")
    bad = FromFile(cache_dir=str(tmp_path / "d"), base_path=str(tmp_path))
    bad.download_and_prepare()   # basic checks do not look at downloads
    with pytest.raises(NonMatchingChecksumError):
        FromFile(cache_dir=str(tmp_path / "e"), base_path=str(tmp_path)).download_and_prepare(verification_mode="all_checks")


class Tables(ArrowBasedBuilder):
    def _info(self): return DatasetInfo(features=Features({"x": Value("int64"), "y": Value("string")}))
    def _split_generators(self, dl_manager):
        return [SplitGenerator("train", {"parts": list(range(6))}), SplitGenerator("empty", {"parts": []})]
    def _generate_tables(self, parts):
        for p in parts:   # int32 on purpose: cast to the features' int64
            yield p, pa.table({"x": pa.array(range(p * 1000, p * 1000 + 1000), pa.int32()),
                               "y": [str(i) for i in range(1000)]})


def test_arrow_based_builder_resume_and_num_proc(tmp_path):
    a = Tables(cache_dir=str(tmp_path / "a"))
    a.download_and_prepare()
    ds = a.as_dataset("train")
    assert ds.features["x"] == Value("int64") and ds["x"][:3] == [0, 1, 2] and len(ds) == 6000
    assert len(a.as_dataset("empty")) == 0 and a.as_dataset("empty").features == a.info.features
    b = Tables(cache_dir=str(tmp_path / "b"))
    b.download_and_prepare(num_proc=2, max_shard_size="10KB")
    assert b.as_dataset("train").data.equals(ds.data)


class BadKeys(Numbers):
    def _generate_examples(self, chunks):
        for c in chunks:
            for i in range(ROWS_PER_CHUNK): yield f"k{i}", {"id": i, "text": "", "label": 0}


def test_duplicate_keys_across_jobs(tmp_path):
    with pytest.raises(DuplicateKeysError, match="duplicate key 'k0' in split 'train'"):
        BadKeys(cache_dir=str(tmp_path)).download_and_prepare(num_proc=2)


def test_split_slice_reads_only_needed_shards(tmp_path, monkeypatch):
    b = Numbers(cache_dir=str(tmp_path), writer_batch_size=100)
    b.download_and_prepare(max_shard_size=4000)
    import dataset_kit.arrow_reader as reader
    opened, real = [], reader.read_shard
    monkeypatch.setattr(reader, "read_shard", lambda p, *a: opened.append(p) or real(p, *a))
    ds = b.as_dataset("train[10%:20%]")
    assert ds["id"] == list(range(400, 800)) and len(opened) == 4
    assert len(b.as_dataset("train[:10%]+test[-1:]", in_memory=True)) == 401


class Pictures(GeneratorBasedBuilder):
    "Yields image *paths*: Arrow shards keep the paths, Parquet shards embed the bytes."
    def _info(self):
        from dataset_kit.image import Image
        return DatasetInfo(features=Features({"image": Image(), "i": Value("int32")}))

    def _split_generators(self, dl_manager):
        return [SplitGenerator("train", {"paths": sorted(glob.glob(os.path.join(self.config.data_dir, "*.png")))})]

    def _generate_examples(self, paths):
        for p in paths:   # keys from the file, not its position: a plain prepare gives each job part of the list
            i = int(os.path.basename(p).split(".")[0]); yield i, {"image": p, "i": i}


def test_parquet_embeds_image_bytes(tmp_path):
    import numpy as np
    import pyarrow.parquet as pq
    from PIL import Image as PILImage
    src = tmp_path / "src"; src.mkdir()
    for i in range(3): PILImage.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(src / f"{i}.png")
    b = Pictures(cache_dir=str(tmp_path / "c"), data_dir=str(src))
    b.download_and_prepare(str(tmp_path / "pq"), file_format="parquet")
    col = pq.read_table(tmp_path / "pq" / "pictures-train.parquet")["image"].to_pylist()
    assert all(c["bytes"] and c["bytes"].startswith(b"\x89PNG") for c in col)
    for p in src.iterdir(): p.unlink()   # the parquet shards stand alone
    assert b.as_dataset("train")[2]["image"].getpixel((0, 0)) == (80, 80, 80)
    a = Pictures(cache_dir=str(tmp_path / "c2"), data_dir=str(tmp_path / "nothing"))
    a.download_and_prepare()
    assert len(a.as_dataset("train")) == 0


def test_datasets_reads_our_shards(tmp_path, reference):
    "The prepared folder follows datasets' conventions: its Dataset.from_file reads our shards, features included."
    datasets = pytest.importorskip("datasets")
    b = Numbers(cache_dir=str(tmp_path), writer_batch_size=100)
    b.download_and_prepare(max_shard_size=4000)
    files = sorted(glob.glob(os.path.join(b.cache_dir, "numbers-train-*-of-*.arrow")))
    assert len(files) == len(b.info.splits["train"].shard_lengths) > 1
    theirs = datasets.concatenate_datasets([datasets.Dataset.from_file(f) for f in files])
    assert theirs.features["label"].names == ["a", "b", "c"]
    assert theirs.data.table.equals(reference["train"])
    info = json.load(open(os.path.join(b.cache_dir, "dataset_info.json")))
    assert datasets.DatasetInfo.from_dict(info).splits["train"].shard_lengths == b.info.splits["train"].shard_lengths


def test_crash_during_commit_is_finished_by_the_next_run(tmp_path, monkeypatch, reference):
    import dataset_kit.builder as builder_mod
    from dataset_kit.shards import commit_folder
    log = tmp_path / "calls.log"
    monkeypatch.setenv("NUMBERS_LOG", str(log))
    b = Numbers(cache_dir=str(tmp_path / "c"), writer_batch_size=100)

    from fsspec.implementations.local import LocalFileSystem
    real_mv = LocalFileSystem.mv

    def crash_after_one_move(*args, **kwargs):   # the real commit, killed after its manifest and one shard
        calls = []
        def mv(self, *a, **k):
            calls.append(a)
            if len(calls) == 3: raise KeyboardInterrupt("killed while moving the shards into place")
            return real_mv(self, *a, **k)
        monkeypatch.setattr(LocalFileSystem, "mv", mv)
        try: commit_folder(*args, **kwargs)
        finally: monkeypatch.setattr(LocalFileSystem, "mv", real_mv)
    monkeypatch.setattr(builder_mod, "commit_folder", crash_after_one_move)
    with pytest.raises(KeyboardInterrupt): b.download_and_prepare(max_shard_size=4000)
    assert not os.path.exists(os.path.join(b.cache_dir, "dataset_info.json"))
    assert len([f for f in os.listdir(b.cache_dir) if f.endswith(".arrow")]) == 1   # one shard made it
    monkeypatch.setattr(builder_mod, "commit_folder", commit_folder)
    b.download_and_prepare(max_shard_size=4000)
    assert len(log.read_text().split()) == 1, "the commit was finished without generating again"
    assert_same_rows(tables(b), reference)


ZIP_BUILDER = '''
import glob, json, os
from dataset_kit.builder import GeneratorBasedBuilder
from dataset_kit.features import Features, Value
from dataset_kit.info import DatasetInfo
from dataset_kit.splits import SplitGenerator

class Jsonl(GeneratorBasedBuilder):
    "Ordinary builder code: download_and_extract, os.path.join, glob and open."
    ARCHIVE = "data.zip"
    def _info(self): return DatasetInfo(features=Features({"i": Value("int64"), "t": Value("string")}))
    def _split_generators(self, dl_manager):
        d = dl_manager.download_and_extract(self.ARCHIVE)
        return [SplitGenerator("train", {"path": os.path.join(d, "data", "train.jsonl")}),
                SplitGenerator("test", {"path": sorted(glob.glob(os.path.join(d, "data", "te*.jsonl")))[0]})]
    def _generate_examples(self, path):
        if not (os.path.isfile(path) and os.path.basename(path).endswith(".jsonl")): raise FileNotFoundError(path)
        with open(path) as f:
            for i, line in enumerate(f): yield i, json.loads(line)
'''


@pytest.fixture
def jsonl_script(tmp_path):
    "A builder script beside its zip and tar.gz archives, each holding data/train.jsonl and data/test.jsonl."
    import io, tarfile, zipfile
    files = {f"data/{s}.jsonl": "".join(json.dumps({"i": i, "t": f"{s} {i}"}) + "\n" for i in range(n))
             for s, n in (("train", 30), ("test", 7))}
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as z:
        for name, text in files.items(): z.writestr(name, text)
    with tarfile.open(tmp_path / "data.tar.gz", "w:gz") as t:
        for name, text in files.items():
            ti = tarfile.TarInfo(name); ti.size = len(text.encode()); t.addfile(ti, io.BytesIO(text.encode()))
    (tmp_path / "jsonl.py").write_text(ZIP_BUILDER)
    (tmp_path / "jsonl_tar.py").write_text(ZIP_BUILDER.replace('ARCHIVE = "data.zip"', 'ARCHIVE = "data.tar.gz"'))
    return tmp_path


def test_streaming_builder_module_reads_zip_chains(jsonl_script):
    import copy
    from dataset_kit.load import load_dataset
    stream = load_dataset(str(jsonl_script / "jsonl.py"), split="train", streaming=True)
    assert list(stream) == [{"i": i, "t": f"train {i}"} for i in range(30)]
    prepared = load_dataset(str(jsonl_script / "jsonl.py"), split="test")
    assert list(load_dataset(str(jsonl_script / "jsonl.py"), split="test", streaming=True)) == list(prepared)
    # patched functions do not travel with a pickle: an unpickled streaming builder patches its module again
    [module] = [m for k, m in sys.modules.items() if k.startswith("dataset_kit_modules.jsonl_") and hasattr(m, "Jsonl")
                and m.Jsonl.ARCHIVE == "data.zip" and m.__file__ == str(jsonl_script / "jsonl.py")]
    assert module._dataset_kit_streaming is not None
    del module.open, module._dataset_kit_streaming
    module.os, module.glob = os, glob
    with pytest.raises(FileNotFoundError, match="zip://"): list(stream)
    assert list(copy.deepcopy(stream))[-1] == {"i": 29, "t": "train 29"}   # deepcopy: a pickle round trip in-process


def test_streaming_tar_points_to_iter_archive(jsonl_script):
    from dataset_kit.load import load_dataset
    with pytest.raises(NotImplementedError, match=r"(?s)data\.tar\.gz.*dl_manager\.iter_archive"):
        load_dataset(str(jsonl_script / "jsonl_tar.py"), split="train", streaming=True)
    assert len(load_dataset(str(jsonl_script / "jsonl_tar.py"), split="train")) == 30   # prepared, tar is fine


def test_load_then_map_reuses_the_cache_file(jsonl_script):
    from dataset_kit.load import load_dataset
    ds = load_dataset(str(jsonl_script / "jsonl.py"), split="train")
    assert [os.path.basename(f["filename"]) for f in ds.cache_files] == ["jsonl-train.arrow"]
    first = ds.map(lambda ex: {"u": ex["t"].upper()})
    cache = first.cache_files[-1]["filename"]
    assert os.path.basename(cache).startswith("cache-") and os.path.dirname(cache) == os.path.dirname(ds.cache_files[0]["filename"])
    written = os.stat(cache).st_mtime_ns
    again = load_dataset(str(jsonl_script / "jsonl.py"), split="train").map(lambda ex: {"u": ex["t"].upper()})
    assert again.cache_files[-1]["filename"] == cache and os.stat(cache).st_mtime_ns == written, "the cache was not reused"
    assert again["u"][:2] == ["TRAIN 0", "TRAIN 1"]
    whole = load_dataset(str(jsonl_script / "jsonl.py"))
    assert {k: [os.path.basename(f["filename"]) for f in v] for k, v in whole.cache_files.items()} == \
        {"train": ["jsonl-train.arrow"], "test": ["jsonl-test.arrow"]}


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_worker_parent_watch_without_prctl(tmp_path):
    "The portable fallback alone (no prctl): a worker notices its parent died and exits."
    script = (f"import os, sys, time; sys.path.insert(0, {ROOT!r}); from dataset_kit.workers import die_with_parent\n"
              "pid = os.fork()\n"
              "if pid == 0:\n    die_with_parent(os.getppid(), use_prctl=False); time.sleep(60); os._exit(0)\n"
              "print(pid, flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(proc.stdout.readline())
    time.sleep(0.3)
    assert _alive(child)
    os.kill(proc.pid, signal.SIGKILL); proc.wait()
    survivors = _wait_dead([child], timeout=5)
    for p in survivors: os.kill(p, signal.SIGKILL)
    assert survivors == [], "the orphaned child should have exited within a second"


# --- unlucky inputs: a source fixed after a failure, damaged and read-only caches (issue 18) -----------------------

class Fragile(GeneratorBasedBuilder):
    "Integers, one per line of the local file $FRAGILE_SOURCE; a line 'BAD' makes the generator raise."
    def _info(self):
        return DatasetInfo(features=Features({"x": Value("int64")}))

    def _split_generators(self, dl_manager):
        return [SplitGenerator("train", {"path": os.environ["FRAGILE_SOURCE"]})]

    def _generate_examples(self, path):
        with open(path) as f:
            for i, line in enumerate(f):
                if line.strip() == "BAD": raise ValueError(f"{path}, line {i + 1}: not an integer")
                yield i, {"x": int(line)}


def test_resume_only_from_unchanged_sources(tmp_path, monkeypatch):
    src = tmp_path / "rows.txt"
    src.write_text("".join(f"{i}\n" if i != 1500 else "BAD\n" for i in range(2000)))
    monkeypatch.setenv("FRAGILE_SOURCE", str(src))
    cache = str(tmp_path / "c")
    with pytest.raises(ValueError, match="line 1501"):
        Fragile(cache_dir=cache, writer_batch_size=100).download_and_prepare(max_shard_size=4000)
    assert glob.glob(f"{cache}/**/*.incomplete/jobs/*/*/shard-*.json", recursive=True), "shards were committed before the failure"
    src.write_text("".join(f"{10 * i}\n" for i in range(2000)))   # the user fixes the file
    b = Fragile(cache_dir=cache, writer_batch_size=100)
    b.download_and_prepare(max_shard_size=4000)
    assert b.as_dataset("train")["x"] == [10 * i for i in range(2000)]


def test_resume_after_kill_with_unchanged_sources_still_skips_done_shards(tmp_path, monkeypatch):
    src = tmp_path / "rows.txt"
    src.write_text("".join(f"{i}\n" if i != 1500 else "BAD\n" for i in range(2000)))
    monkeypatch.setenv("FRAGILE_SOURCE", str(src))
    cache = str(tmp_path / "c")
    with pytest.raises(ValueError):
        Fragile(cache_dir=cache, writer_batch_size=100).download_and_prepare(max_shard_size=4000)
    jobs = glob.glob(f"{cache}/**/*.incomplete/jobs/*", recursive=True)
    with pytest.raises(ValueError, match="line 1501"):   # same file: the same job folder is resumed, not a new one
        Fragile(cache_dir=cache, writer_batch_size=100).download_and_prepare(max_shard_size=4000)
    assert glob.glob(f"{cache}/**/*.incomplete/jobs/*", recursive=True) == jobs


def test_force_redownload_repairs_a_corrupt_dataset_info(tmp_path, monkeypatch):
    src = tmp_path / "rows.txt"
    src.write_text("".join(f"{i}\n" for i in range(50)))
    monkeypatch.setenv("FRAGILE_SOURCE", str(src))
    cache = str(tmp_path / "c")
    b = Fragile(cache_dir=cache)
    b.download_and_prepare()
    info = os.path.join(b.cache_dir, "dataset_info.json")
    with open(info, "r+") as f:
        text = f.read(); f.seek(0); f.write(text[: len(text) // 2]); f.truncate()
    with pytest.raises(ValueError, match=f"{info} is damaged.*force_redownload"):
        Fragile(cache_dir=cache).download_and_prepare()
    b = Fragile(cache_dir=cache)
    b.download_and_prepare(download_mode="force_redownload")
    assert b.as_dataset("train")["x"] == list(range(50)) and json.load(open(info))["splits"]["train"]["num_examples"] == 50


def test_recorded_split_size_is_checked_against_the_shards(tmp_path, monkeypatch):
    src = tmp_path / "rows.txt"
    src.write_text("".join(f"{i}\n" for i in range(2000)))
    monkeypatch.setenv("FRAGILE_SOURCE", str(src))
    b = Fragile(cache_dir=str(tmp_path / "c"), writer_batch_size=100)
    b.download_and_prepare(max_shard_size=4000)
    path = os.path.join(b.cache_dir, "dataset_info.json")
    info = json.load(open(path))
    assert len(info["splits"]["train"]["shard_lengths"]) > 1
    info["splits"]["train"]["num_examples"] = 2500
    json.dump(info, open(path, "w"))
    for spec in ("train[-10:]", "train"):
        with pytest.raises(ValueError, match="Split 'train' .* records 2500 examples but shards of .* rows \\(2000\\)"):
            Fragile(cache_dir=str(tmp_path / "c")).as_dataset(spec)


@pytest.mark.parametrize("file_format", ["arrow", "parquet"])
def test_truncated_shard_error_names_the_file(tmp_path, monkeypatch, file_format):
    src = tmp_path / "rows.txt"
    src.write_text("".join(f"{i}\n" for i in range(2000)))
    monkeypatch.setenv("FRAGILE_SOURCE", str(src))
    b = Fragile(cache_dir=str(tmp_path / "c"), writer_batch_size=100)
    b.download_and_prepare(file_format=file_format)
    [shard] = glob.glob(os.path.join(b.cache_dir, f"*.{file_format}"))
    data = open(shard, "rb").read()
    open(shard, "wb").write(data[: len(data) - 100])
    with pytest.raises(ValueError, match=f"Shard {shard} cannot be read: it is truncated or damaged.*force_redownload"):
        Fragile(cache_dir=str(tmp_path / "c")).as_dataset("train")


@pytest.mark.skipif(os.geteuid() != 0, reason="switches to the 'nobody' user to get a cache it cannot write")
def test_read_only_cache_loads(tmp_path):
    import stat as st_, tempfile
    root = tempfile.mkdtemp(prefix="ro-cache-")   # pytest's tmp_path is private to root
    try:
        os.chmod(root, 0o755)
        src = os.path.join(root, "rows.txt")
        open(src, "w").write("".join(f"{i}\n" for i in range(30)))
        csv = os.path.join(root, "t.csv")
        open(csv, "w").write("a,b\n1,x\n2,y\n")
        env = dict(os.environ, FRAGILE_SOURCE=src, HOME=root, DATASET_KIT_CACHE=os.path.join(root, "cache"))
        code = (f"import sys; sys.path[:0] = [{ROOT!r}, {TESTS!r}]; import test_builder as t\n"
                f"from dataset_kit.load import load_dataset\n"
                f"b = t.Fragile(cache_dir={root + '/cache'!r}); b.download_and_prepare(); print(len(b.as_dataset('train')))\n"
                f"print(len(load_dataset('csv', data_files={csv!r}, split='train', cache_dir={root + '/cache'!r})))\n")
        first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert first.stdout.split() == ["30", "2"], first.stderr
        for dirpath, dirs, files in os.walk(root):   # read-only for everyone (root ignores modes: the reader is 'nobody')
            for n in files: os.chmod(os.path.join(dirpath, n), 0o444)
            for n in dirs: os.chmod(os.path.join(dirpath, n), 0o555)
        os.chmod(root, 0o555)
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        sees = subprocess.run(as_nobody + [sys.executable, "-c", f"import sys; sys.path[:0] = [{ROOT!r}, {TESTS!r}]; import test_builder"],
                              env=env, capture_output=True, text=True, timeout=120)
        if sees.returncode: pytest.skip(f"'nobody' cannot read this checkout or its venv (a private parent folder): {sees.stderr[-300:]}")
        probe = subprocess.run(as_nobody + [sys.executable, "-c", f"open({root + '/probe'!r}, 'w')"], capture_output=True, text=True)
        assert "PermissionError" in probe.stderr, "the cache must really be read-only for this user"
        again = subprocess.run(as_nobody + [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert again.stdout.split() == ["30", "2"], again.stderr[-3000:]
    finally:
        for dirpath, dirs, files in os.walk(root):
            os.chmod(dirpath, 0o755)
        import shutil; shutil.rmtree(root)


class Lossy(GeneratorBasedBuilder):
    "An int64 column fed 1.5 at example 'e7', or (MIXED) a column whose type changes at example 'e3'."
    def _info(self):
        return DatasetInfo(features=None if os.environ.get("MIXED") else Features({"n": Value("int64")}))

    def _split_generators(self, dl_manager):
        return [SplitGenerator("train", {})]

    def _generate_examples(self):
        for i in range(10):
            if os.environ.get("MIXED"): yield f"e{i}", {"n": "three" if i == 3 else i}
            else: yield f"e{i}", {"n": 1.5 if i == 7 else float(i)}


def test_lossy_cast_and_mixed_types_name_the_example(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"Example 'e7', column 'n': the value '1\.5' does not match the feature Value\('int64'\)"):
        Lossy(cache_dir=str(tmp_path / "a")).download_and_prepare()
    monkeypatch.setenv("MIXED", "1")
    with pytest.raises(ValueError, match="Example 'e3': Column 'n' has mixed types: row 3 holds 'three' but row 0 holds 0"):
        Lossy(cache_dir=str(tmp_path / "b")).download_and_prepare()


def test_truncated_or_altered_shard_is_named_when_opened(tmp_path):
    "Sizes recorded at prepare time are checked on open (one listing); SHA-256 with verification_mode='all_checks'."
    cache = str(tmp_path / "c")
    b = Numbers(cache_dir=cache)
    b.download_and_prepare(max_shard_size=20_000, verification_mode="all_checks")
    files = sorted(glob.glob(os.path.join(b.cache_dir, "numbers-train-*.arrow")))
    assert len(files) > 2 and set(b.info.shard_checksums) >= {os.path.basename(f) for f in files}
    victim = files[1]
    data = open(victim, "rb").read()
    open(victim, "wb").write(data[: len(data) // 2])   # cut short, as by a full disk or a crash outside dataset_kit
    with pytest.raises(ValueError, match=f"Shard .*{os.path.basename(victim)} cannot be read: it is truncated or damaged \\({len(data) // 2} bytes.*force_redownload"):
        Numbers(cache_dir=cache).as_dataset("train")
    assert len(Numbers(cache_dir=cache).as_dataset("train[:10]")) == 10   # shards not read are not hashed or opened
    open(victim, "wb").write(data[:-16] + bytes(16))   # same size, last bytes altered
    assert len(Numbers(cache_dir=cache).as_dataset("train")) == 8 * ROWS_PER_CHUNK   # basic checks: sizes only
    with pytest.raises(ValueError, match=f"{os.path.basename(victim)} does not have the SHA-256.*force_redownload"):
        Numbers(cache_dir=cache).as_dataset("train", verification_mode="all_checks")
    fixed = Numbers(cache_dir=cache)
    fixed.download_and_prepare(download_mode="force_redownload", max_shard_size=20_000)
    assert fixed.as_dataset("train")["id"] == list(range(8 * ROWS_PER_CHUNK))


def test_key_check_of_many_jobs_keeps_few_files_open(tmp_path):
    "The duplicate-key check over a split of more jobs than a process may open files (LAION-400M: 41,455) still runs."
    code = f"""
import resource, numpy as np
from dataset_kit.shards import split_key_duplicate
resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
n = 600
for i in range(n): np.save({str(tmp_path)!r} + f"/k{{i}}.npy", np.array([i, i + n], dtype=np.uint64))
results = [{{"folder": {str(tmp_path)!r}, "index": i, "num_examples": 2, "shards": [{{"keys": f"k{{i}}.npy", "num_examples": 2}}]}} for i in range(n)]
print(split_key_duplicate(results))
np.save({str(tmp_path)!r} + "/k599.npy", np.array([3, 7], dtype=np.uint64))
print(split_key_duplicate(results))
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split("\n")[:2] == ["None", "(3, 0, 599, 0)"], res.stdout
