"""ImageRewardDB: the miniature repository, the zip-part parsing, and the builder, from disk and over HTTP."""
import os, re, threading, warnings, zipfile
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


def zip_members(path):
    with zipfile.ZipFile(path) as zf:
        for n in zf.namelist(): yield n, zf.open(n)


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
        pairs = list(iter_part_examples(part, path, zip_members(path), "pair"))
        assert len(pairs) == count_pairs(repo.records[part]) == len({k for k, _ in pairs})
        for _, row in pairs: assert row["rank_better"] < row["rank_worse"]


def test_json_first_and_foldered_zip(tmp_path, repo):
    part = "train_7"
    zf = zipfile.ZipFile(repo.zip_path(part))
    images = {n: zf.read(n) for n in zf.namelist() if n.endswith(".webp")}
    write_part_zip(tmp_path / "first.zip", part, repo.records[part], images, json_last=False)
    rows = dict(iter_part_examples(part, str(tmp_path / "first.zip"), zip_members(tmp_path / "first.zip")))
    assert sorted(rows) == sorted(r["image_path"] for r in repo.records[part])
    with zipfile.ZipFile(tmp_path / "folder.zip", "w") as out:  # zipped with its folder, not flat
        for n in zf.namelist(): out.writestr(f"{part}/{n}", zf.read(n))
    rows2 = dict(iter_part_examples(part, str(tmp_path / "folder.zip"), zip_members(tmp_path / "folder.zip")))
    assert rows2.keys() == rows.keys()


def test_not_webp_member(tmp_path, repo):
    part = "train_8"
    zf = zipfile.ZipFile(repo.zip_path(part))
    images = {n: zf.read(n) for n in zf.namelist() if n.endswith(".webp")}
    victim = repo.records[part][1]["image_path"].split("/")[-1]
    images[victim] = b"\x89PNG\r\n\x1a\n not webp"
    path = str(tmp_path / "p.zip"); write_part_zip(path, part, repo.records[part], images)
    with pytest.raises(ImageRewardFormatError, match=f"{part}.json record 1 .*{victim} is not a WebP image"):
        list(iter_part_examples(part, path, zip_members(path)))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        rows = list(iter_part_examples(part, path, zip_members(path), on_bad_record="skip"))
    assert len(rows) == len(repo.records[part]) - 1 and "not a WebP image" in str(w[0].message)
