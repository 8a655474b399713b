"""Object storage end to end: a real S3 API (moto's server on 127.0.0.1) spoken to by s3fs, credentials and endpoint
only in `storage_options`. Prepares with num_proc=2 and on a Dask LocalCluster write straight to the bucket; the
results read back with `as_dataset`, `load_dataset("parquet", ...)`, `load_from_disk`; archives stream from it."""
import os, posixpath, signal, subprocess, sys, threading, time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataset_kit import (Dataset, DatasetDict, DatasetInfo, DownloadConfig, DownloadManager, Features, GeneratorBasedBuilder,
                         SplitGenerator, Value, load_dataset, load_from_disk, shards)
from dataset_kit.catalog.laion400m import Laion400m
from dataset_kit.testing.laion import write_laion_source
from dataset_kit.testing.imagereward import write_imagereward_repo

pytest.importorskip("s3fs")


@pytest.fixture(scope="module")
def laion_src(tmp_path_factory):
    return write_laion_source(str(tmp_path_factory.mktemp("laion") / "src"), num_shards=4, rows_per_shard=15, seed=7)


@pytest.fixture(scope="module")
def local_rows(laion_src, tmp_path_factory):
    "The miniature prepared on the local disk, inline: what every other route must give."
    out = str(tmp_path_factory.mktemp("local") / "laion")
    b = Laion400m(config_name="images", data_dir=laion_src.images_dir, cache_dir=os.path.dirname(out))
    b.download_and_prepare(out)
    return table(b.as_dataset(split="train"))


def table(ds): return ds.with_format("arrow")[:len(ds)]


def same_rows(a, b):
    "Equal tables, the images compared by their bytes (Parquet shards embed them; paths may differ)."
    img = lambda t: [x["bytes"] for x in t["image"].to_pylist()]
    return a.drop_columns(["image"]).equals(b.drop_columns(["image"])) and img(a) == img(b)


def objects(fs, url):
    "Every object under `url`, relative to it (what another machine listing the bucket sees)."
    root = url.split("://", 1)[1].rstrip("/")
    return sorted(posixpath.relpath(p, root) for p in fs.find(root))


def test_download_manager_downloads_from_the_bucket(s3_bucket, tmp_path):
    url, so, fs = s3_bucket
    fs.pipe({f"{url}/a.txt": b"alpha", f"{url}/d/b.txt": b"beta"})
    dm = DownloadManager(download_config=DownloadConfig(cache_dir=str(tmp_path / "dl"), storage_options=so))
    got = dm.download({"a": f"{url}/a.txt", "more": [f"{url}/d/b.txt"]})
    assert open(got["a"], "rb").read() == b"alpha" and open(got["more"][0], "rb").read() == b"beta"
    assert dm.download(f"{url}/a.txt") == got["a"]   # cached by URL: not fetched again
    with pytest.raises(FileNotFoundError, match="missing.txt"): dm.download(f"{url}/missing.txt")


def test_save_to_disk_and_load_from_disk(s3_bucket):
    url, so, fs = s3_bucket
    ds = Dataset.from_dict({"id": list(range(100)), "text": [f"row {i}" for i in range(100)]})
    ds.save_to_disk(f"{url}/saved", storage_options=so, num_shards=3)
    back = load_from_disk(f"{url}/saved", storage_options=so)
    assert table(back).equals(table(ds))
    dd = DatasetDict({"train": ds.select(range(80)), "test": ds.select(range(80, 100))})
    dd.save_to_disk(f"{url}/dd", storage_options=so)
    back = load_from_disk(f"{url}/dd", storage_options=so)
    assert {k: len(v) for k, v in back.items()} == {"train": 80, "test": 20} and back["test"][0]["id"] == 80


def test_load_dataset_parquet_from_the_bucket(s3_bucket, tmp_path):
    url, so, fs = s3_bucket
    parts = [pa.table({"x": np.arange(i * 10, i * 10 + 10)}) for i in range(3)]
    for i, t in enumerate(parts):
        with fs.open(f"{url}/pq/train-{i}.parquet", "wb") as f: pq.write_table(t, f)
    ds = load_dataset("parquet", data_files=f"{url}/pq/*.parquet", storage_options=so, split="train",
                      cache_dir=str(tmp_path))
    assert ds["x"] == list(range(30))


@pytest.mark.parametrize("file_format", ["arrow", "parquet"])
def test_prepare_with_num_proc_into_the_bucket(laion_src, local_rows, s3_bucket, tmp_path, file_format):
    url, so, fs = s3_bucket
    out = f"{url}/laion"
    b = Laion400m(config_name="images", data_dir=laion_src.images_dir, cache_dir=str(tmp_path))
    b.download_and_prepare(out, storage_options=so, file_format=file_format, num_proc=2)
    assert objects(fs, url) == ["laion/LICENSE", "laion/dataset_info.json",
                                f"laion/laion400m-train-00000-of-00002.{file_format}",
                                f"laion/laion400m-train-00001-of-00002.{file_format}"]   # no temporary prefix left
    assert same_rows(table(b.as_dataset(split="train")), local_rows)
    fresh = Laion400m(config_name="images", data_dir=laion_src.images_dir, cache_dir=str(tmp_path / "other"))
    fresh.download_and_prepare(out, storage_options=so)   # another process finds it complete: nothing redone
    assert same_rows(table(fresh.as_dataset(split="train")), local_rows)


def test_dask_workers_write_the_shards_to_the_bucket(laion_src, local_rows, s3_bucket, dask_client, tmp_path, monkeypatch):
    url, so, fs = s3_bucket
    def no_shards_here(*a, **k): raise AssertionError("the driver wrote a shard")
    b = Laion400m(config_name="images", data_dir=laion_src.images_dir, cache_dir=str(tmp_path))
    with monkeypatch.context() as m:
        m.setattr(shards.ShardWriter, "_open", no_shards_here)   # the workers' copies of the module are untouched
        b.download_and_prepare(f"{url}/laion", storage_options=so, file_format="parquet", dask_client=dask_client)
    assert same_rows(table(b.as_dataset(split="train")), local_rows)
    ds = load_dataset("parquet", data_files=f"{url}/laion/*.parquet", storage_options=so, split="train",
                      cache_dir=str(tmp_path / "read"))
    assert len(ds) == len(local_rows) and ds["url"] == local_rows["url"].to_pylist()
    assert ds[0]["image"].size == b.as_dataset(split="train")[0]["image"].size


def test_laion_tars_stream_from_the_bucket(laion_src, local_rows, s3_bucket, tmp_path):
    url, so, fs = s3_bucket
    fs.put(laion_src.images_dir, f"{url}/images", recursive=True)
    cache = tmp_path / "cache"
    streamed = load_dataset("laion400m", "images", data_dir=f"{url}/images", storage_options=so, split="train",
                            streaming=True, cache_dir=str(cache))
    rows = list(streamed)
    assert [r["url"] for r in rows] == local_rows["url"].to_pylist()
    assert [r["image"].tobytes() for r in rows[:3]] == [np.asarray(Dataset(local_rows)[i]["image"]).tobytes() for i in range(3)]
    assert not cache.exists() or not any(cache.rglob("*.tar")), "a tar was copied or extracted locally"


def test_imagereward_zips_stream_from_the_bucket(s3_bucket, tmp_path):
    url, so, fs = s3_bucket
    repo = write_imagereward_repo(tmp_path / "repo", seed=3)
    fs.put(str(repo.root), f"{url}/ImageRewardDB", recursive=True)
    cache = tmp_path / "cache"
    streamed = load_dataset("imagereward_db", "1k", data_dir=f"{url}/ImageRewardDB", storage_options=so,
                            split="validation", streaming=True, cache_dir=str(cache))
    local = load_dataset("imagereward_db", "1k", data_dir=str(repo.root), split="validation",
                         cache_dir=str(tmp_path / "local"))
    got = list(streamed)
    assert [r["prompt_id"] for r in got] == local["prompt_id"] and got[0]["image"].size == local[0]["image"].size
    assert not cache.exists() or not any(p.suffix == ".zip" or "extracted" in p.parts for p in cache.rglob("*"))


# --- crashes: a killed driver leaves nothing readable; a killed Dask worker's job is run again --------------------

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)


class Slow(GeneratorBasedBuilder):
    "`chunks` of 200 numbered rows, `delay` seconds per row (an instance attribute: it travels with the pickle)."
    delay = 0.0
    def _info(self): return DatasetInfo(features=Features({"id": Value("int64"), "text": Value("string")}))
    def _split_generators(self, dl_manager):
        return [SplitGenerator("train", {"chunks": list(range(int(self.config_kwargs.get("description") or 4)))})]
    def _generate_examples(self, chunks):
        for c in chunks:
            for i in range(200):
                if self.delay: time.sleep(self.delay)
                yield c * 200 + i, {"id": c * 200 + i, "text": f"row {c * 200 + i}"}


def wait_for(cond, timeout=60, what="a condition"):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline: raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.05)


def test_killed_driver_leaves_no_dataset_in_the_bucket(s3_bucket, tmp_path):
    url, so, fs = s3_bucket
    out = f"{url}/numbers"
    script = (f"import sys; sys.path[:0] = [{ROOT!r}, {TESTS!r}]; import test_s3 as t; "
              f"b = t.Slow(cache_dir={str(tmp_path)!r}); b.delay = 0.002; "
              f"b.download_and_prepare({out!r}, storage_options={so!r}, max_shard_size=2000, file_format='parquet')")
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        wait_for(lambda: any(p.endswith(".json") and "/shard-" in p for p in fs.find(url)) or proc.poll() is not None,
                 what="a first recorded shard")
        assert proc.poll() is None, "the prepare finished before it could be killed"
    finally:
        proc.kill(); proc.wait()
    left = objects(fs, url)
    assert left and all(p.startswith("numbers.incomplete/jobs/") for p in left), left   # nothing under numbers/
    with pytest.raises(FileNotFoundError): DatasetInfo.from_directory(out, storage_options=so)   # no marker
    with pytest.raises(FileNotFoundError):   # and no shard for a reader that globs the prefix
        load_dataset("parquet", data_files=f"{out}/*.parquet", storage_options=so, cache_dir=str(tmp_path / "r"))
    b = Slow(cache_dir=str(tmp_path))   # the same prepare again: resumes, then publishes with the marker last
    b.download_and_prepare(out, storage_options=so, max_shard_size=2000, file_format="parquet")
    assert b.as_dataset("train")["id"] == list(range(800))
    assert not any(p.startswith("numbers.incomplete") for p in objects(fs, url))


def test_killed_dask_worker_job_is_rescheduled(s3_bucket, dask_client, tmp_path):
    "SIGKILL one of the two worker processes mid-job: the job runs again, every row lands exactly once."
    url, so, fs = s3_bucket
    out = f"{url}/numbers"
    b = Slow(cache_dir=str(tmp_path)); b.delay = 0.003   # 2 jobs of 2 chunks: ~1.2 s each
    pids = dask_client.run(os.getpid)
    err = []
    def prepare():
        try: b.download_and_prepare(out, storage_options=so, max_shard_size=2000, dask_client=dask_client)
        except BaseException as e: err.append(e)
    t = threading.Thread(target=prepare); t.start()
    try:
        wait_for(lambda: any(dask_client.processing().values()) and any("/shard-" in p for p in fs.find(url)),
                 what="a job writing shards")
        busy = next(a for a, keys in dask_client.processing().items() if keys)
        os.kill(pids[busy], signal.SIGKILL)
    finally:
        t.join(120)
    assert not t.is_alive() and not err, err
    assert pids[busy] not in dask_client.run(os.getpid).values()   # the worker was killed (its nanny started another)
    ds = b.as_dataset("train")
    assert ds["id"] == list(range(800))   # every row, once, in order
    names = objects(fs, url)
    assert all(p.startswith("numbers/") for p in names), names   # no temporary objects left
    assert sum(p.endswith(".arrow") for p in names) == len(b.info.splits["train"].shard_lengths or [1])


def test_truncated_shard_in_the_bucket_is_named(s3_bucket, tmp_path):
    url, so, fs = s3_bucket
    b = Slow(cache_dir=str(tmp_path))
    b.download_and_prepare(f"{url}/numbers", storage_options=so, max_shard_size=2000, file_format="parquet")
    shard = sorted(p for p in fs.find(url) if p.endswith(".parquet"))[0]
    fs.pipe_file(shard, fs.cat_file(shard)[:-100])
    with pytest.raises(ValueError, match=f"Shard .*{posixpath.basename(shard)} cannot be read: it is truncated.* bytes.*force_redownload"):
        b.as_dataset("train")
