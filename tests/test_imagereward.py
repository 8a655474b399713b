"""ImageRewardDB: the miniature repository, the zip-part parsing, and the builder, from disk and over HTTP."""
import os, re, shutil, threading, warnings, zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pyarrow.parquet as pq
import pytest

from dataset_kit.testing.imagereward import write_imagereward_repo, write_part_zip, count_pairs
from dataset_kit.catalog.imagereward_db import (read_part_records, iter_part_examples, ImageRewardFormatError)


# --- a loopback HTTP server with Range support (fsspec reads zips by range requests) -------------------------

class RangeHandler(SimpleHTTPRequestHandler):
    "Serves files from `directory` with HEAD, GET and single byte-range GETs; counts the bytes it sends."
    bytes_sent = 0

    def log_message(self, *args): pass

    def _send(self, with_body):
        path = self.translate_path(self.path.split("?", 1)[0])
        if not os.path.isfile(path): return self.send_error(404, "not found")
        size = os.path.getsize(path)
        start, end, status = 0, size - 1, 200
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "") or "")
        if m and (m.group(1) or m.group(2)):
            if m.group(1): start, end = int(m.group(1)), int(m.group(2)) if m.group(2) else size - 1
            else: start, end = max(size - int(m.group(2)), 0), size - 1
            end = min(end, size - 1)
            if start > end: return self.send_error(416, "range not satisfiable")
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206: self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if with_body:
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read(end - start + 1)
            type(self).bytes_sent += len(data)
            self.wfile.write(data)

    def do_GET(self): self._send(True)
    def do_HEAD(self): self._send(False)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return write_imagereward_repo(tmp_path_factory.mktemp("imagereward") / "repo", seed=3)


@pytest.fixture(scope="module")
def server(repo):
    handler = type("Handler", (RangeHandler,), {"bytes_sent": 0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(repo.root)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True); t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown(); httpd.server_close()


# --- the miniature repository ---------------------------------------------------------------------------------

def test_layout_is_the_real_one(repo):
    root = str(repo.root)
    assert sorted(os.listdir(root)) == ["images", "metadata-test.parquet", "metadata-train.parquet",
                                         "metadata-validation.parquet"]
    assert sorted(os.listdir(f"{root}/images/train")) == sorted(f"train_{i}.zip" for i in range(1, 33))
    assert sorted(os.listdir(f"{root}/images/validation")) == ["validation_1.zip", "validation_2.zip"]
    for split, parts in repo.parts.items():
        meta = pq.read_table(f"{root}/metadata-{split}.parquet").to_pylist()
        assert meta == repo.split_records(split)
        for part in parts:
            names = zipfile.ZipFile(repo.zip_path(part)).namelist()
            assert all("/" not in n for n in names)  # flat
            assert sorted(names) == sorted([f"{part}.json"] + [r["image_path"].split("/")[-1] for r in repo.records[part]])
            assert all(r["image_path"].startswith(f"images/{split}/{part}/") for r in repo.records[part])


def test_records_over_http_read_only_the_json(repo, server):
    url, handler = server
    before = handler.bytes_sent
    recs = read_part_records(f"{url}/images/train/train_5.zip", "train_5")
    assert [r for _, r in recs] == repo.records["train_5"]
    assert handler.bytes_sent - before < os.path.getsize(repo.zip_path("train_5"))


def test_http_missing_part_is_a_clear_error(server):
    url, _ = server
    with pytest.raises(ImageRewardFormatError, match="part train_99"):
        read_part_records(f"{url}/images/train/train_99.zip", "train_99")


def test_examples_of_all_parts(repo):
    for part in repo.parts["validation"] + repo.parts["test"]:
        path = repo.zip_path(part)
        pairs = list(iter_part_examples(part, path, "pair"))
        assert len(pairs) == count_pairs(repo.records[part]) == len({k for k, _ in pairs})
        for _, row in pairs: assert row["rank_better"] < row["rank_worse"]


def test_json_first_and_foldered_zip(tmp_path, repo):
    part = "train_7"
    zf = zipfile.ZipFile(repo.zip_path(part))
    images = {n: zf.read(n) for n in zf.namelist() if n.endswith(".webp")}
    write_part_zip(tmp_path / "first.zip", part, repo.records[part], images, json_last=False)
    rows = dict(iter_part_examples(part, str(tmp_path / "first.zip")))
    assert sorted(rows) == sorted(r["image_path"] for r in repo.records[part])
    with zipfile.ZipFile(tmp_path / "folder.zip", "w") as out:  # zipped with its folder, not flat
        for n in zf.namelist(): out.writestr(f"{part}/{n}", zf.read(n))
    rows2 = dict(iter_part_examples(part, str(tmp_path / "folder.zip")))
    assert rows2.keys() == rows.keys()


def test_not_webp_member(tmp_path, repo):
    part = "train_8"
    zf = zipfile.ZipFile(repo.zip_path(part))
    images = {n: zf.read(n) for n in zf.namelist() if n.endswith(".webp")}
    victim = repo.records[part][1]["image_path"].split("/")[-1]
    images[victim] = b"\x89PNG\r\n\x1a\n not webp"
    path = str(tmp_path / "p.zip"); write_part_zip(path, part, repo.records[part], images)
    with pytest.raises(ImageRewardFormatError, match=f"{part}.json record 1 .*{victim} is not a WebP image"):
        list(iter_part_examples(part, path))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        rows = list(iter_part_examples(part, path, on_bad_record="skip"))
    assert len(rows) == len(repo.records[part]) - 1 and "not a WebP image" in str(w[0].message)


# --- the builder ------------------------------------------------------------------------------------------------

import numpy as np
from dataset_kit import Image, List, VerificationMode, disable_progress_bar
from dataset_kit.catalog.imagereward_db import ImageRewardDB

disable_progress_bar()


def prepare(root, config, cache, **kw):
    b = ImageRewardDB(cache_dir=str(cache), config_name=config, data_dir=str(root), **kw.pop("builder_kwargs", {}))
    b.download_and_prepare(**kw)
    return b


def paths_of(ds, column="image"):
    return [x["path"] for x in ds.cast_column(column, Image(decode=False))[column]]


def keys_of(builder, split):
    "The keys `_generate_examples` yields for `split` (what the duplicate-key check sees)."
    from dataset_kit import DownloadManager
    gens = {str(g.name): g for g in builder._split_generators(DownloadManager())}
    return [k for k, _ in builder._generate_examples(**gens[split].gen_kwargs)]


@pytest.mark.parametrize("scale", [1, 2, 4, 8])
def test_every_size_prepares(repo, tmp_path, scale):
    b = prepare(repo.root, f"{scale}k", tmp_path)  # default BASIC_CHECKS: sizes match the metadata tables
    ds = b.as_dataset()
    assert {s: len(ds[s]) for s in ("train", "validation", "test")} == {
        s: len(repo.split_records(s, 4 * scale if s == "train" else None)) for s in ("train", "validation", "test")}
    assert b.info.license == "Apache-2.0" and "xu2023imagereward" in b.info.citation


def test_1k_train_is_exactly_parts_1_to_4(repo, tmp_path):
    ds = prepare(repo.root, "1k", tmp_path).as_dataset(split="train")
    assert sorted(paths_of(ds)) == sorted(r["image_path"] for r in repo.split_records("train", 4))
    assert {p.split("/")[2] for p in paths_of(ds)} == {"train_1", "train_2", "train_3", "train_4"}
    row = ds[0]
    assert row["image"].format == "WEBP" and row["image"].size == (16, 16)
    rec = next(r for r in repo.split_records("train", 4) if r["image_path"] == paths_of(ds.select([0]))[0])
    assert {k: row[k] for k in rec if k != "image_path"} == {k: v for k, v in rec.items() if k != "image_path"}
    assert str(ds.features["rank"].dtype) == "int8"


@pytest.mark.parametrize("scale", [1, 2])
def test_group_and_pair_configs(repo, tmp_path, scale):
    recs = repo.split_records("train", 4 * scale)
    groups = prepare(repo.root, f"{scale}k_group", tmp_path / "g").as_dataset(split="train")
    assert len(groups) == len({r["prompt_id"] for r in recs})
    g = groups[0]
    mine = [r for r in recs if r["prompt_id"] == g["prompt_id"]]
    assert g["rank"] == [r["rank"] for r in mine] and len(g["image"]) == len(mine)
    b = prepare(repo.root, f"{scale}k_pair", tmp_path / "p")
    pairs = b.as_dataset(split="train")
    assert len(pairs) == count_pairs(recs)
    assert all(x < y for x, y in zip(pairs["rank_better"], pairs["rank_worse"]))
    both = list(zip(paths_of(pairs, "img_better"), paths_of(pairs, "img_worse")))
    assert len(set(both)) == len(both)
    keys = keys_of(b, "train")
    assert len(keys) == len(set(keys)) == len(pairs)


def raises(pattern, fn, *args, **kw):
    "Call fn; it must raise an error whose message, or that of an error it was raised from, matches `pattern`."
    with pytest.raises(Exception) as info: fn(*args, **kw)
    chain, e = [], info.value
    while e is not None and len(chain) < 10: chain.append(f"{type(e).__name__}: {e}"); e = e.__cause__ or e.__context__
    assert any(re.search(pattern, m, re.S) for m in chain), chain
    return info.value


def copy_repo(repo, dst):
    shutil.copytree(repo.root, dst)
    return str(dst)


def rewrite_part(root, part, records, drop_images=()):
    split = part.rsplit("_", 1)[0]
    path = os.path.join(root, "images", split, f"{part}.zip")
    zf = zipfile.ZipFile(path)
    images = {n: zf.read(n) for n in zf.namelist() if n.endswith(".webp") and n not in drop_images}
    zf.close()
    write_part_zip(path, part, records, images)


def test_partial_copy_fails_basic_checks_passes_no_checks(repo, tmp_path):
    root = copy_repo(repo, tmp_path / "partial")
    recs = repo.records["train_2"]
    keep = [r for r in recs if r["prompt_id"] == recs[0]["prompt_id"]]  # train_2 lost its last prompt
    rewrite_part(root, "train_2", keep)
    raises("train", prepare, root, "1k", tmp_path / "c1")
    ds = prepare(root, "1k", tmp_path / "c2", verification_mode=VerificationMode.NO_CHECKS).as_dataset(split="train")
    assert len(ds) == len(repo.split_records("train", 4)) - (len(recs) - len(keep))


def test_bad_record_error_or_skip(repo, tmp_path):
    root = copy_repo(repo, tmp_path / "bad")
    recs = [dict(r) for r in repo.records["train_3"]]
    del recs[2]["fidelity_rating"]
    rewrite_part(root, "train_3", recs)
    raises(r"ImageRewardFormatError: train_3.json record 2 .* misses field\(s\) \['fidelity_rating'\]",
           prepare, root, "1k", tmp_path / "c1")
    with pytest.warns(UserWarning, match="train_3.json record 2"):
        b = prepare(root, "1k", tmp_path / "c2", verification_mode="no_checks", builder_kwargs={"on_bad_record": "skip"})
    assert len(b.as_dataset(split="train")) == len(repo.split_records("train", 4)) - 1


def test_missing_image_and_corrupt_zip(repo, tmp_path):
    root = copy_repo(repo, tmp_path / "bad")
    gone = repo.records["train_4"][0]["image_path"].split("/")[-1]
    rewrite_part(root, "train_4", repo.records["train_4"], drop_images={gone})
    raises(f"train_4.json record 0 .*{gone} is missing from train_4.zip", prepare, root, "1k", tmp_path / "c1")
    root = copy_repo(repo, tmp_path / "corrupt")
    path = os.path.join(root, "images", "validation", "validation_2.zip")
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    raises("part validation_2 .* is not a readable zip", prepare, root, "1k", tmp_path / "c2")
    with pytest.warns(UserWarning, match="part validation_2 .* is not a readable zip"):
        b = prepare(root, "1k", tmp_path / "c3", verification_mode="no_checks", builder_kwargs={"on_bad_record": "skip"})
    assert len(b.as_dataset(split="validation")) == len(repo.records["validation_1"])


def test_num_proc_gives_the_same_rows(repo, tmp_path):
    one = prepare(repo.root, "2k_pair", tmp_path / "a").as_dataset(split="train")
    two = prepare(repo.root, "2k_pair", tmp_path / "b", num_proc=2).as_dataset(split="train")
    key = lambda ds: sorted(zip(paths_of(ds, "img_better"), paths_of(ds, "img_worse")))
    assert key(one) == key(two)


def comparable(row):
    out = {}
    for k, v in row.items():
        if isinstance(v, list) and v and hasattr(v[0], "size"): out[k] = [np.asarray(x).tolist() for x in v]
        elif hasattr(v, "size") and hasattr(v, "mode"): out[k] = np.asarray(v).tolist()
        else: out[k] = v
    return out


@pytest.mark.parametrize("config", ["1k", "1k_pair", "1k_group"])
def test_streaming_over_http_yields_the_prepared_rows(repo, server, tmp_path, config):
    url, _ = server
    prepared = prepare(repo.root, config, tmp_path).as_dataset()
    for split in ("train", "validation"):
        streamed = ImageRewardDB(config_name=config, data_dir=url, cache_dir=str(tmp_path / "s")).as_streaming_dataset(split=split)
        assert [comparable(r) for r in streamed] == [comparable(r) for r in prepared[split]]


def test_prepare_from_http_equals_local(repo, server, tmp_path):
    url, _ = server
    local = prepare(repo.root, "1k", tmp_path / "a").as_dataset(split="validation")
    remote = ImageRewardDB(cache_dir=str(tmp_path / "b"), config_name="1k", data_dir=url)
    remote.download_and_prepare()
    assert [comparable(r) for r in remote.as_dataset(split="validation")] == [comparable(r) for r in local]


def test_load_dataset_streaming_locally_and_base_path(repo, tmp_path):
    from dataset_kit import load_dataset
    streamed = load_dataset("imagereward_db", "1k_pair", data_dir=str(repo.root), split="validation", streaming=True)
    b = ImageRewardDB(cache_dir=str(tmp_path), config_name="1k_pair", base_path=str(repo.root))  # base_path, no data_dir
    b.download_and_prepare()
    assert [comparable(r) for r in streamed] == [comparable(r) for r in b.as_dataset(split="validation")]
    raises("on_bad_record='ignore'", load_dataset, "imagereward_db", "1k", data_dir=str(repo.root), on_bad_record="ignore")


def test_default_source_is_the_hub_repository_and_8k_reads_32_parts(tmp_path):
    class Recorder:
        "A streaming-like download manager that only records what it is asked for."
        is_streaming = True
        def __init__(self): self.urls = []
        def download(self, urls): self.urls += list(urls.values()); return urls
        def iter_archive(self, path): return iter(())
    b, dm = ImageRewardDB(cache_dir=str(tmp_path)), Recorder()  # no config name: the default, 8k
    assert b.config.name == "8k"
    gens = {str(g.name): g.gen_kwargs for g in b._split_generators(dm)}
    base = "https://huggingface.co/datasets/THUDM/ImageRewardDB/resolve/main"
    assert gens["train"]["archives"] == [f"{base}/images/train/train_{i}.zip" for i in range(1, 33)]
    assert gens["test"]["parts"] == ["test_1", "test_2"] and len(dm.urls) == 36
    assert sorted(c.name for c in ImageRewardDB.BUILDER_CONFIGS) == sorted(
        f"{n}k{s}" for n in (1, 2, 4, 8) for s in ("", "_group", "_pair"))


# --- the original loading script's order -------------------------------------------------------------------------

def original_order(records, kind):
    "What the original ImageRewardDB script yields for `records` (parts in order, each in JSON order): image paths."
    if kind == "image": return [r["image_path"] for r in records]
    out, i = [], 0
    while i < len(records):
        run = records[i:i + records[i]["image_amount_in_total"]]; i += len(run)
        if kind == "group": out.append([r["image_path"] for r in run]); continue
        for a in range(len(run)):
            for b in range(a + 1, len(run)):
                x, y = run[a], run[b]
                if x["rank"] < y["rank"]: out.append((x["image_path"], y["image_path"]))
                elif x["rank"] > y["rank"]: out.append((y["image_path"], x["image_path"]))
    return out


def rows_as_paths(rows, kind):
    if kind == "image": return [r["image"]["path"] for r in rows]
    if kind == "group": return [[im["path"] for im in r["image"]] for r in rows]
    return [(r["img_better"]["path"], r["img_worse"]["path"]) for r in rows]


@pytest.mark.parametrize("kind", ["image", "group", "pair"])
def test_rows_come_in_the_original_scripts_order(repo, server, tmp_path, kind):
    config = "1k" if kind == "image" else f"1k_{kind}"
    ds = prepare(repo.root, config, tmp_path).as_dataset(split="train").cast_column(
        "img_better" if kind == "pair" else "image", Image(decode=False) if kind != "group" else List(Image(decode=False)))
    if kind == "pair": ds = ds.cast_column("img_worse", Image(decode=False))
    want = original_order(repo.split_records("train", 4), kind)
    # the zips list their images by uuid, so archive order would differ from the JSON order
    assert [r["image_path"] for r in repo.records["train_1"]] != sorted(r["image_path"] for r in repo.records["train_1"])
    assert rows_as_paths(ds, kind) == want
    url, _ = server  # streamed over HTTP: the same rows in the same order
    streamed = ImageRewardDB(config_name=config, data_dir=url, cache_dir=str(tmp_path / "s")).as_streaming_dataset(split="train")
    prepared = prepare(repo.root, config, tmp_path / "again").as_dataset(split="train")
    assert [comparable(r) for r in streamed] == [comparable(r) for r in prepared]
