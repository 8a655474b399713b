"""Object storage end to end: a real S3 API (moto's server on 127.0.0.1) spoken to by s3fs, credentials and endpoint
only in `storage_options`. Prepares with num_proc=2 and on a Dask LocalCluster write straight to the bucket; the
results read back with `as_dataset`, `load_dataset("parquet", ...)`, `load_from_disk`; archives stream from it."""
import os, posixpath

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataset_kit import (Dataset, DatasetDict, DownloadConfig, DownloadManager, load_dataset, load_from_disk, shards)
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
