"""Integration tests of the download layer against a real HTTP server on 127.0.0.1 (tests/http_server.py),
real archives (hostile ones included) and a download killed with SIGKILL."""
import bz2, gzip, hashlib, io, lzma, os, shutil, signal, stat, subprocess, sys, tarfile, textwrap, time, zipfile
import pytest
import zstandard

import dataset_kit.download as download
from dataset_kit.core import disable_progress_bar, enable_progress_bar
from dataset_kit.download import (DownloadConfig, DownloadError, DownloadManager, NonMatchingChecksumError,
                                  url_to_filename, verify_checksums)
from dataset_kit.extract import UnsafeArchiveError, extract_archive
from dataset_kit.streaming import StreamingDownloadManager, xglob, xjoin, xopen, xisdir, xlistdir


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(download, "RETRY_BACKOFF", 0.01)
    monkeypatch.setattr(download, "HTTP_TIMEOUT", 5.0)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


def cfg(tmp_path, **kw):
    kw.setdefault("disable_tqdm", True)
    return DownloadConfig(cache_dir=str(tmp_path / "cache"), **kw)


def payload(n, seed=0):
    "Incompressible-ish deterministic bytes."
    out, block = bytearray(), hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


def cache_entries(tmp_path):
    "Every file under the cache except lock files."
    root = tmp_path / "cache"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".locks" not in p.parts)


def assert_no_temp_files(tmp_path):
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if "incomplete" in p.name]
    assert not leftovers, leftovers


def sha(b):
    return hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------- plain downloads, cache, options

def test_download_caches_by_url_and_etag(http_server, tmp_path):
    data = payload(50_000)
    http_server.add("/d/train.csv", data)
    url = http_server.url("/d/train.csv")
    dl = DownloadManager(download_config=cfg(tmp_path))
    path = dl.download(url)
    assert open(path, "rb").read() == data and path.endswith(".csv")
    assert dl.get_recorded_sizes_checksums() == {url: {"num_bytes": len(data), "checksum": sha(data)}}
    assert dl.downloaded_size == len(data)
    gets = http_server.count("GET", "/d/train.csv")
    assert DownloadManager(download_config=cfg(tmp_path)).download(url) == path  # HEAD only, no second GET
    assert http_server.count("GET", "/d/train.csv") == gets
    assert len(cache_entries(tmp_path)) == 2  # the file and its JSON sidecar


def test_shapes_and_parallel_downloads(http_server, tmp_path):
    urls = {}
    for i in range(6):
        http_server.add(f"/f{i}.bin", payload(4000, i))
        http_server.throttle(f"/f{i}.bin", delay=0.05, chunk=1000)
        urls[f"s{i}"] = [http_server.url(f"/f{i}.bin")]
    out = DownloadManager(download_config=cfg(tmp_path, num_proc=4)).download(urls)
    assert list(out) == list(urls) and all(open(v[0], "rb").read() == payload(4000, i) for i, v in enumerate(out.values()))
    assert http_server.max_in_flight >= 2  # files really were fetched at the same time


def test_num_proc_none_is_sequential(http_server, tmp_path):
    for i in range(3):
        http_server.add(f"/g{i}.bin", payload(3000, i))
        http_server.throttle(f"/g{i}.bin", delay=0.03, chunk=1000)
    DownloadManager(download_config=cfg(tmp_path)).download([http_server.url(f"/g{i}.bin") for i in range(3)])
    assert http_server.max_in_flight == 1


def test_500_then_200_is_retried(http_server, tmp_path):
    http_server.add("/r.bin", payload(10_000))
    http_server.fault("/r.bin", "status", code=500)
    http_server.fault("/r.bin", "status", code=503)
    path = DownloadManager(download_config=cfg(tmp_path, max_retries=2)).download(http_server.url("/r.bin"))
    assert open(path, "rb").read() == payload(10_000)
    assert http_server.count("GET", "/r.bin") == 3


@pytest.mark.parametrize("fault", [dict(kind="status", code=500), dict(kind="drop", after=3000)])
def test_failed_download_names_url_and_leaves_nothing(http_server, tmp_path, fault):
    http_server.add("/bad.bin", payload(10_000))
    for _ in range(3):
        http_server.fault("/bad.bin", **fault)
    url = http_server.url("/bad.bin")
    with pytest.raises(DownloadError, match=f"Couldn't download {url} after 2 attempt"):
        DownloadManager(download_config=cfg(tmp_path, max_retries=1)).download(url)
    assert cache_entries(tmp_path) == []


def test_404_is_not_retried(http_server, tmp_path):
    url = http_server.url("/missing.csv")
    with pytest.raises(FileNotFoundError, match=url):
        DownloadManager(download_config=cfg(tmp_path, max_retries=3)).download(url)
    assert len(http_server.requests) == 1 and cache_entries(tmp_path) == []


def test_connection_drop_resumes_with_range(http_server, tmp_path):
    data = payload(10_000)
    http_server.add("/drop.bin", data)
    http_server.fault("/drop.bin", "drop", after=3000)
    path = DownloadManager(download_config=cfg(tmp_path, max_retries=1)).download(http_server.url("/drop.bin"))
    assert open(path, "rb").read() == data
    ranges = [h.get("Range") for m, p, h in http_server.requests if m == "GET"]
    assert ranges == [None, "bytes=3000-"]
    assert_no_temp_files(tmp_path)


def test_too_long_content_length_is_retried(http_server, tmp_path):
    http_server.add("/long.bin", payload(8000))
    http_server.fault("/long.bin", "long_length")
    path = DownloadManager(download_config=cfg(tmp_path, max_retries=1)).download(http_server.url("/long.bin"))
    assert open(path, "rb").read() == payload(8000)


def test_too_short_content_length_is_caught_by_checksums(http_server, tmp_path):
    data = payload(8000)
    http_server.add("/short.bin", data)
    http_server.fault("/short.bin", "short_length", by=10)
    url = http_server.url("/short.bin")
    dl = DownloadManager(download_config=cfg(tmp_path))
    dl.download(url)
    expected = {url: {"num_bytes": len(data), "checksum": sha(data)}}
    with pytest.raises(NonMatchingChecksumError, match=f"{url}: num_bytes expected 8000, got 7990"):
        verify_checksums(expected, dl.get_recorded_sizes_checksums(), "dataset source files")


def test_slow_response_times_out_and_retries(http_server, tmp_path, monkeypatch):
    monkeypatch.setattr(download, "HTTP_TIMEOUT", 0.3)
    http_server.add("/slow.bin", payload(5000))
    http_server.fault("/slow.bin", "slow", delay=1.0)
    url = http_server.url("/slow.bin")
    t0 = time.time()
    path = DownloadManager(download_config=cfg(tmp_path, max_retries=1)).download(url)
    assert open(path, "rb").read() == payload(5000) and time.time() - t0 < 5
    http_server.fault("/slow.bin", "slow", delay=1.0)
    with pytest.raises(DownloadError, match=url):
        DownloadManager(download_config=cfg(tmp_path / "b", max_retries=0)).download(url)


def test_etag_change_downloads_new_version(http_server, tmp_path):
    http_server.add("/v.txt", b"version 1")
    url = http_server.url("/v.txt")
    p1 = DownloadManager(download_config=cfg(tmp_path)).download(url)
    http_server.add("/v.txt", b"version 2")
    p2 = DownloadManager(download_config=cfg(tmp_path)).download(url)
    assert p1 != p2 and open(p2, "rb").read() == b"version 2" and open(p1, "rb").read() == b"version 1"
    # use_etag=False trusts any cached copy of the URL without asking the server
    p3 = DownloadManager(download_config=cfg(tmp_path / "noetag", use_etag=False)).download(url)
    http_server.add("/v.txt", b"version 3")
    n = len(http_server.requests)
    assert DownloadManager(download_config=cfg(tmp_path / "noetag", use_etag=False)).download(url) == p3
    assert len(http_server.requests) == n and open(p3, "rb").read() == b"version 2"


def test_resume_never_splices_two_versions(http_server, tmp_path):
    "The file changes on the server while the connection is down: If-Range makes the retry start over."
    v1, v2 = payload(10_000, 1), payload(12_000, 2)
    http_server.add("/chg.bin", v1)
    http_server.fault("/chg.bin", "drop", after=4000, replace_with=v2)
    url = http_server.url("/chg.bin")
    path = DownloadManager(download_config=cfg(tmp_path, max_retries=1)).download(url)
    assert open(path, "rb").read() == v2
    assert os.path.basename(path) == url_to_filename(url, http_server.files["/chg.bin"][1])
    last_get = [h for m, p, h in http_server.requests if m == "GET"][-1]
    assert last_get["Range"] == "bytes=4000-" and last_get["If-Range"] == '"' + sha(v1)[:16] + '"'
    assert_no_temp_files(tmp_path)


def test_resume_download_keeps_and_continues_partial(http_server, tmp_path):
    data = payload(20_000)
    http_server.add("/part.bin", data)
    http_server.fault("/part.bin", "drop", after=6000)
    url = http_server.url("/part.bin")
    with pytest.raises(DownloadError):
        DownloadManager(download_config=cfg(tmp_path, max_retries=0, resume_download=True)).download(url)
    partials = [p for p in (tmp_path / "cache").iterdir() if p.name.endswith(".incomplete")]
    assert len(partials) == 1 and partials[0].stat().st_size == 6000
    path = DownloadManager(download_config=cfg(tmp_path, resume_download=True)).download(url)
    assert open(path, "rb").read() == data
    assert [h.get("Range") for m, p, h in http_server.requests if m == "GET"][-1] == "bytes=6000-"
    assert_no_temp_files(tmp_path)


def test_local_files_only(http_server, tmp_path):
    http_server.add("/l.txt", b"local")
    url = http_server.url("/l.txt")
    with pytest.raises(FileNotFoundError, match=f"{url} is not in the download cache.*local_files_only=True"):
        DownloadManager(download_config=cfg(tmp_path, local_files_only=True)).download(url)
    assert http_server.requests == []
    path = DownloadManager(download_config=cfg(tmp_path)).download(url)
    n = len(http_server.requests)
    assert DownloadManager(download_config=cfg(tmp_path, local_files_only=True)).download(url) == path
    assert len(http_server.requests) == n


def test_force_download(http_server, tmp_path):
    http_server.add("/f.txt", b"x")
    url = http_server.url("/f.txt")
    DownloadManager(download_config=cfg(tmp_path)).download(url)
    DownloadManager(download_config=cfg(tmp_path, force_download=True)).download(url)
    assert http_server.count("GET", "/f.txt") == 2


def test_token_user_agent_and_storage_option_headers(http_server, tmp_path):
    http_server.add("/t.txt", b"x")
    config = cfg(tmp_path, token="s3cret", user_agent="my-lab/1.0", storage_options={"http": {"headers": {"X-Tag": "7"}}})
    DownloadManager(download_config=config).download(http_server.url("/t.txt"))
    for method, _, headers in http_server.requests:
        assert headers["Authorization"] == "Bearer s3cret" and headers["User-Agent"].endswith("; my-lab/1.0")
        assert headers["X-Tag"] == "7"


def test_proxies_are_used(http_server, tmp_path):
    "The loopback server stands in for a proxy: a URL on an unresolvable host is fetched through it."
    http_server.add("/p.txt", b"through the proxy")
    url = "http://dataset-kit.invalid/p.txt"
    path = DownloadManager(download_config=cfg(tmp_path, proxies={"http": http_server.url("")})).download(url)
    assert open(path, "rb").read() == b"through the proxy"
    assert http_server.count("GET", "/p.txt") == 1
    with pytest.raises(NotImplementedError, match="proxies applies to http"):
        DownloadManager(download_config=cfg(tmp_path, proxies={"http": "x"})).download("memory://a/b.txt")


def test_progress_bars(http_server, tmp_path, capsys):
    http_server.add("/bar.bin", payload(3000))
    url = http_server.url("/bar.bin")
    enable_progress_bar()  # another test in this worker may have silenced them
    DownloadManager(download_config=cfg(tmp_path, disable_tqdm=False, download_desc="Fetching shards")).download(url)
    assert "Fetching shards" in capsys.readouterr().err
    disable_progress_bar()
    try:
        DownloadManager(download_config=cfg(tmp_path, disable_tqdm=False, force_download=True)).download(url)
        assert capsys.readouterr().err == ""
    finally:
        enable_progress_bar()
    DownloadManager(download_config=cfg(tmp_path, force_download=True)).download(url)  # disable_tqdm=True
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------- killed downloads

def make_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_tar(files, mode="w:gz"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in files.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


KILLED_SCRIPT = textwrap.dedent("""
    import sys
    from dataset_kit.download import DownloadConfig, DownloadManager
    cfg = DownloadConfig(cache_dir=sys.argv[2], disable_tqdm=True, resume_download=sys.argv[3] == "1")
    DownloadManager(download_config=cfg).download_and_extract(sys.argv[1])
""")


@pytest.mark.parametrize("kind,resume", [("zip", True), ("tar.gz", False)])
def test_download_killed_half_way_then_restarted(http_server, tmp_path, kind, resume):
    files = {f"data/part{i}.bin": payload(400_000, i) for i in range(8)}
    blob = make_zip(files) if kind == "zip" else make_tar(files)
    path = f"/archive.{kind}"
    http_server.add(path, blob)
    http_server.throttle(path, delay=0.02, chunk=64 * 1024)  # ~50 chunks: about 1 s in all
    url = http_server.url(path)
    cache = tmp_path / "cache"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SCRIPT, url, str(cache), "1" if resume else "0"])
    downloads = cache  # DownloadConfig.cache_dir is the download folder, as in `datasets`
    deadline = time.time() + 20
    try:
        while time.time() < deadline:
            partials = list(downloads.glob("*.incomplete")) if downloads.exists() else []
            if partials and partials[0].stat().st_size > 256 * 1024:
                break
            assert proc.poll() is None, "the download finished before it could be killed"
            time.sleep(0.02)
        else:
            pytest.fail("the download never started")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    # nothing that looks whole: only the partial
    assert [p.suffix for p in downloads.iterdir() if p.is_file()] == [".incomplete"]
    http_server.throttles.clear()
    out = DownloadManager(download_config=cfg(tmp_path, resume_download=resume)).download_and_extract(url)
    for name, data in files.items():
        assert open(os.path.join(out, name), "rb").read() == data
    last_range = [h.get("Range") for m, p, h in http_server.requests if m == "GET"][-1]
    assert (last_range is not None and int(last_range[6:-1]) > 0) if resume else last_range is None
    assert_no_temp_files(tmp_path)
    assert len(list(downloads.glob("*.json"))) == 1


# ---------------------------------------------------------------- extraction

def compressors():
    return {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress,
            "zst": lambda b: zstandard.ZstdCompressor().compress(b)}


@pytest.mark.parametrize("ext", ["zip", "tar", "tar.gz", "tar.bz2", "tar.xz", "tar.zst", "gz", "bz2", "xz", "zst"])
def test_extract_every_format(http_server, tmp_path, ext):
    files = {"a/x.txt": b"hello", "b.txt": b"world"}
    if ext == "zip":
        blob = make_zip(files)
    elif ext == "tar":
        blob = make_tar(files, "w")
    elif ext.startswith("tar."):
        blob = compressors()[ext[4:]](make_tar(files, "w"))
    else:
        blob = compressors()[ext](b"just one file")
    http_server.add(f"/f.{ext}", blob)
    out = DownloadManager(download_config=cfg(tmp_path)).download_and_extract(http_server.url(f"/f.{ext}"))
    if "zip" in ext or "tar" in ext:
        assert {n: open(os.path.join(out, n), "rb").read() for n in files} == files
    else:
        assert open(out, "rb").read() == b"just one file"


def test_7z_without_py7zr_names_the_package(tmp_path):
    p = tmp_path / "a.7z"
    p.write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\x00" * 64)
    try:
        import py7zr  # noqa: F401
        pytest.skip("py7zr is installed")
    except ImportError:
        pass
    with pytest.raises(ImportError, match="py7zr"):
        DownloadManager(download_config=cfg(tmp_path)).extract(str(p))


def test_extract_on_the_fly_and_delete_extracted(tmp_path):
    src = tmp_path / "rows.jsonl.gz"
    src.write_bytes(gzip.compress(b'{"a": 1}\n'))
    zsrc = tmp_path / "z.zip"
    zsrc.write_bytes(make_zip({"q.txt": b"q"}))
    dl = DownloadManager(download_config=cfg(tmp_path, extract_on_the_fly=True, delete_extracted=True))
    gz, z = dl.extract([str(src), str(zsrc)])
    assert gz == f"gzip://rows.jsonl::{src}"
    with xopen(gz) as f:
        assert f.read() == '{"a": 1}\n'
    dl.manage_extracted_files()
    assert not os.path.exists(z) and src.exists() and zsrc.exists()


def test_force_extract_and_extract_compressed_file(tmp_path):
    zsrc = tmp_path / "z.zip"
    zsrc.write_bytes(make_zip({"q.txt": b"q"}))
    out = DownloadManager(download_config=cfg(tmp_path)).extract(str(zsrc))
    os.remove(os.path.join(out, "q.txt"))
    assert DownloadManager(download_config=cfg(tmp_path)).extract(str(zsrc)) == out and not os.listdir(out)
    DownloadManager(download_config=cfg(tmp_path, force_extract=True)).extract(str(zsrc))
    assert os.listdir(out) == ["q.txt"]
    assert DownloadManager(download_config=cfg(tmp_path, extract_compressed_file=True)).download(str(zsrc)) == out


def zip_with(name, data=b"evil", symlink_to=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ok.txt", b"fine")
        info = zipfile.ZipInfo(name)
        if symlink_to is not None:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            data = symlink_to
        z.writestr(info, data)
    return buf.getvalue()


def zip_members(members):
    "members: list of (name, data, is_symlink); a symlink's data is its target."
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, link in members:
            info = zipfile.ZipInfo(name)
            if link:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, data)
    return buf.getvalue()


# l0 -> ., l1 -> l0/.., ..., l15 -> l14/..: each target looks inside, together they climb to /
LINK_CHAIN = [(f"l{i}", "." if i == 0 else f"l{i - 1}/..") for i in range(16)] + [("notes.txt", "l15/etc/passwd")]


def tar_with(members, mode="w"):
    "members: list of (name, type, linkname_or_data)."
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, typ, extra in members:
            ti = tarfile.TarInfo(name)
            ti.type = typ
            if typ == tarfile.REGTYPE:
                ti.size = len(extra)
                t.addfile(ti, io.BytesIO(extra))
            else:
                if typ in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                    ti.linkname = extra
                t.addfile(ti)
    return buf.getvalue()


def hostile_archives(outside):
    "Archives that try to write to `outside` (an absolute path in the test's tmp folder) or elsewhere."
    evil = os.path.join(outside, "evil.txt")
    up = "../" * 12 + evil.lstrip("/")
    return {
        "zip_slip": (zip_with(up), up),
        "zip_absolute": (zip_with(evil), evil),
        "zip_symlink_escape": (zip_with("link", symlink_to=outside), "link"),
        "tar_slip": (tar_with([(up, tarfile.REGTYPE, b"evil")]), up),
        "tgz_slip": (tar_with([(up, tarfile.REGTYPE, b"evil")], "w:gz"), up),
        "tar_absolute": (tar_with([(evil, tarfile.REGTYPE, b"evil")]), evil),
        "tar_symlink_absolute": (tar_with([("out", tarfile.SYMTYPE, outside), ("out/evil.txt", tarfile.REGTYPE, b"x")]), "out"),
        "tar_symlink_relative": (tar_with([("out", tarfile.SYMTYPE, "../../../../.."), ("out/evil.txt", tarfile.REGTYPE, b"x")]), "out"),
        "tar_symlink_chain": (tar_with([("a", tarfile.SYMTYPE, "."), ("a/b", tarfile.SYMTYPE, ".."),
                                        ("a/b/evil.txt", tarfile.REGTYPE, b"x")]), "a/b"),
        "zip_symlink_chain": (zip_members([("ok.txt", b"fine", False)] + [(n, t, True) for n, t in LINK_CHAIN]), "l0"),
        "zip_file_and_symlink_same_name": (zip_members([("a.txt", b"data", False), ("a.txt", "b.txt", True)]), "a.txt"),
        "zip_file_then_folder_same_name": (zip_members([("a", b"data", False), ("a/b.txt", b"x", False)]), "a/b.txt"),
        # written in reverse, every link points at a name that does not exist yet, so each looks harmless alone
        "tar_symlink_chain_reversed": (tar_with([(n, tarfile.SYMTYPE, t) for n, t in reversed(LINK_CHAIN)]), "l1"),
        "tar_hardlink_out": (tar_with([("h", tarfile.LNKTYPE, evil)]), "h"),
        "tar_hardlink_up": (tar_with([("h", tarfile.LNKTYPE, up)]), "h"),
        "tar_char_device": (tar_with([("dev/null2", tarfile.CHRTYPE, None)]), "dev/null2"),
        "tar_block_device": (tar_with([("dev/sda9", tarfile.BLKTYPE, None)]), "dev/sda9"),
        "tar_fifo": (tar_with([("pipe", tarfile.FIFOTYPE, None)]), "pipe"),
    }


HOSTILE = list(hostile_archives("/x"))


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_archives_are_refused(http_server, tmp_path, case):
    outside = tmp_path / "outside"
    outside.mkdir()
    blob, member = hostile_archives(str(outside))[case]
    ext = "zip" if case.startswith("zip") else ("tar.gz" if case.startswith("tgz") else "tar")
    http_server.add(f"/{case}.{ext}", blob)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(UnsafeArchiveError, match=f"member '{member}'"):
        DownloadManager(download_config=cfg(tmp_path)).download_and_extract(http_server.url(f"/{case}.{ext}"))
    after = sorted(str(p) for p in tmp_path.rglob("*"))
    created = [os.path.relpath(p, tmp_path) for p in after if p not in before]
    # only the download (+ sidecar, lock files) appeared; nothing was extracted, nothing left half-way
    assert all(p.startswith("cache") and not p.startswith("cache/extracted/") or p.startswith("cache/extracted/.locks")
               for p in created), created
    assert os.listdir(tmp_path / "cache" / "extracted") == [".locks"]
    assert os.listdir(outside) == [] and not os.path.exists("/x/evil.txt")


def test_safe_links_inside_the_archive_still_extract(tmp_path):
    blob = tar_with([("d/real.txt", tarfile.REGTYPE, b"real"), ("d/sym", tarfile.SYMTYPE, "real.txt"),
                     ("d/hard", tarfile.LNKTYPE, "d/real.txt")])
    p = tmp_path / "ok.tar"
    p.write_bytes(blob)
    out = extract_archive(str(p), str(tmp_path / "out"))
    assert open(os.path.join(out, "d/sym"), "rb").read() == b"real" == open(os.path.join(out, "d/hard"), "rb").read()


def test_zip_symlink_chain_is_refused_by_iter_archive_and_streaming(http_server, tmp_path):
    blob = zip_members([("ok.txt", b"fine", False)] + [(n, t, True) for n, t in LINK_CHAIN])
    http_server.add("/chain.zip", blob)
    url = http_server.url("/chain.zip")
    dl = DownloadManager(download_config=cfg(tmp_path))
    with pytest.raises(UnsafeArchiveError, match="member 'l0' is a symlink"):
        list(dl.iter_archive(dl.download(url)))
    sdm = StreamingDownloadManager(download_config=DownloadConfig())
    with pytest.raises(UnsafeArchiveError, match="member 'l0' is a symlink"):
        list(sdm.iter_archive(url))
    read = {}
    with pytest.raises(UnsafeArchiveError, match="symlinks in zip files are refused"):
        for path in sdm.iter_files(sdm.download_and_extract(url)):
            with xopen(path, "rb") as f:
                read[path] = f.read()
    assert b"root:" not in b"".join(read.values())


def test_tar_links_resolving_inside_after_extraction_still_extract(tmp_path):
    "A link written before its target exists is fine when the finished tree keeps it inside."
    blob = tar_with([("d/sym", tarfile.SYMTYPE, "sub/real.txt"), ("d/up", tarfile.SYMTYPE, "sub/.."),
                     ("d/sub/real.txt", tarfile.REGTYPE, b"real")])
    p = tmp_path / "ok.tar"
    p.write_bytes(blob)
    out = extract_archive(str(p), str(tmp_path / "out"))
    assert open(os.path.join(out, "d/sym"), "rb").read() == b"real"
    assert os.path.realpath(os.path.join(out, "d/up")) == os.path.realpath(os.path.join(out, "d"))


# ---------------------------------------------------------------- streaming over HTTP

def test_xopen_chained_url_into_zip_on_the_server(http_server):
    http_server.add("/x.zip", make_zip({"train/a.txt": b"alpha", "train/b.txt": b"beta", "test/c.txt": b"gamma"}))
    url = http_server.url("/x.zip")
    with xopen(f"zip://train/a.txt::{url}") as f:
        assert f.read() == "alpha"
    root = f"zip://::{url}"
    assert xisdir(xjoin(root, "train")) and sorted(xlistdir(xjoin(root, "train"))) == ["a.txt", "b.txt"]
    assert xglob(xjoin(root, "*/*.txt")) == [f"zip://test/c.txt::{url}", f"zip://train/a.txt::{url}", f"zip://train/b.txt::{url}"]


def test_streaming_download_manager_over_http(http_server, tmp_path):
    http_server.add("/s.zip", make_zip({"train/a.txt": b"alpha", "__MACOSX/._a.txt": b"junk"}))
    http_server.add("/s.tar.gz", make_tar({"x/1.txt": b"one", "x/2.txt": b"two"}))
    http_server.add("/rows.jsonl.gz", gzip.compress(b'{"a": 1}\n{"a": 2}\n'))
    sdm = StreamingDownloadManager(download_config=DownloadConfig(token="tok"))
    z, g = sdm.download_and_extract([http_server.url(p) for p in ("/s.zip", "/rows.jsonl.gz")])
    with pytest.raises(NotImplementedError, match="iter_archive"): sdm.extract(http_server.url("/s.tar.gz"))  # as datasets
    t = sdm.archive_url(http_server.url("/s.tar.gz"))
    assert z == f"zip://::{http_server.url('/s.zip')}" and g == f"gzip://rows.jsonl::{http_server.url('/rows.jsonl.gz')}"
    cfg_ = sdm.download_config
    assert [xopen(p, download_config=cfg_).read() for p in sdm.iter_files(z)] == ["alpha"]
    with xopen(g, download_config=cfg_) as f:
        assert f.read().splitlines() == ['{"a": 1}', '{"a": 2}']
    assert [(n, f.read()) for n, f in sdm.iter_archive(http_server.url("/s.tar.gz"))] == [("x/1.txt", b"one"), ("x/2.txt", b"two")]
    with xopen(xjoin(t, "x/2.txt"), "rb", download_config=cfg_) as f:
        assert f.read() == b"two"
    assert all(h.get("Authorization") == "Bearer tok" for _, _, h in http_server.requests)
    assert not (tmp_path / "cache").exists()


def test_iter_archive_of_a_downloaded_tar(http_server, tmp_path):
    files = {f"img/{i}.bin": payload(1000, i) for i in range(5)}
    http_server.add("/imgs.tar.gz", make_tar({**files, "img/.hidden": b"h"}))
    dl = DownloadManager(download_config=cfg(tmp_path))
    archive = dl.download(http_server.url("/imgs.tar.gz"))
    it = dl.iter_archive(archive)
    assert [(n, f.read()) for n, f in it] == list(files.items())
    assert len(list(it)) == 5  # re-iterable
    with open(archive, "rb") as f:
        assert [n for n, _ in dl.iter_archive(f)] == list(files)


def test_iter_archive_tar_zst(tmp_path):
    p = tmp_path / "a.tar.zst"
    p.write_bytes(zstandard.ZstdCompressor().compress(make_tar({"a/1.txt": b"1", "a/.h": b"h"}, "w")))
    assert [(n, f.read()) for n, f in DownloadManager(download_config=cfg(tmp_path)).iter_archive(str(p))] == [("a/1.txt", b"1")]


def test_same_members_as_datasets(tmp_path):
    "iter_archive and iter_files skip the same hidden members and files as `datasets` does."
    datasets = pytest.importorskip("datasets")
    files = {"d/a.txt": b"a", "d/.hidden": b"h", "__MACOSX/d/._a.txt": b"m", "d/__init__.py": b"", "d/sub/b.txt": b"b"}
    for name, blob in (("x.tar.gz", make_tar(files)), ("x.zip", make_zip(files))):
        p = tmp_path / name
        p.write_bytes(blob)
        ours = [n for n, _ in DownloadManager(download_config=cfg(tmp_path)).iter_archive(str(p))]
        theirs = [n for n, _ in datasets.DownloadManager().iter_archive(str(p))]
        assert ours == theirs, name
    out = DownloadManager(download_config=cfg(tmp_path)).extract(str(tmp_path / "x.zip"))
    ours = list(DownloadManager(download_config=cfg(tmp_path)).iter_files(out))
    assert ours == list(datasets.DownloadManager().iter_files(out))


def test_streaming_through_a_proxy(http_server):
    http_server.add("/p.zip", make_zip({"a.txt": b"via proxy"}))
    config = DownloadConfig(proxies={"http": http_server.url("")})
    with xopen("zip://a.txt::http://dataset-kit.invalid/p.zip", download_config=config) as f:
        assert f.read() == "via proxy"
    assert http_server.count("GET", "/p.zip") >= 1


def test_same_url_twice_in_parallel_is_fetched_once(http_server, tmp_path):
    http_server.add("/same.bin", payload(50_000))
    http_server.throttle("/same.bin", delay=0.05, chunk=10_000)
    url = http_server.url("/same.bin")
    a, b = DownloadManager(download_config=cfg(tmp_path, num_proc=2)).download([url, url])
    assert a == b and open(a, "rb").read() == payload(50_000)
    assert http_server.count("GET", "/same.bin") == 1  # the second waited on the lock, then found the file
    assert_no_temp_files(tmp_path)


def test_killed_extraction_leftovers_are_cleaned(tmp_path):
    src = tmp_path / "z.zip"
    src.write_bytes(make_zip({"q.txt": b"q"}))
    out = DownloadManager(download_config=cfg(tmp_path)).extract(str(src))
    shutil.rmtree(out)
    stale = os.path.join(os.path.dirname(out), f".{os.path.basename(out)}.incomplete-dead0000")
    os.makedirs(os.path.join(stale, "half"))  # what a SIGKILL during extraction leaves behind
    assert DownloadManager(download_config=cfg(tmp_path)).extract(str(src)) == out
    assert os.listdir(out) == ["q.txt"] and not os.path.exists(stale)


def test_head_refused_still_downloads_and_caches(http_server, tmp_path):
    "URLs signed for GET only answer HEAD with 403: download anyway, and find the file again next time."
    http_server.add("/signed.bin", payload(5000))
    url = http_server.url("/signed.bin")
    http_server.fault_head("/signed.bin", 403)
    p1 = DownloadManager(download_config=cfg(tmp_path)).download(url)
    http_server.fault_head("/signed.bin", 403)
    p2 = DownloadManager(download_config=cfg(tmp_path)).download(url)
    assert p1 == p2 and open(p1, "rb").read() == payload(5000)
    assert http_server.count("GET", "/signed.bin") == 1


# ---------------------------------------------------------------- resume validators, encodings, timeouts (issue 18)

def test_resume_without_validator_downloads_afresh(http_server, tmp_path):
    "No ETag, no Last-Modified: nothing proves a kept partial is of the file there now, so it is not spliced."
    v1, v2 = payload(20_000, 1), payload(20_000, 2)
    http_server.add("/nv.bin", v1, etag=False)
    http_server.fault("/nv.bin", "drop", after=6000)
    url = http_server.url("/nv.bin")
    with pytest.raises(DownloadError):
        DownloadManager(download_config=cfg(tmp_path, max_retries=0, resume_download=True)).download(url)
    http_server.add("/nv.bin", v2, etag=False)  # the file changed; the server says nothing about versions
    path = DownloadManager(download_config=cfg(tmp_path, resume_download=True)).download(url)
    assert open(path, "rb").read() == v2
    assert "Range" not in [h for m, p, h in http_server.requests if m == "GET"][-1]


def test_resume_with_last_modified_uses_if_range(http_server, tmp_path):
    data, date = payload(20_000, 3), "Wed, 21 Oct 2026 07:28:00 GMT"
    http_server.add("/lm.bin", data, etag=False, headers={"Last-Modified": date})
    http_server.fault("/lm.bin", "drop", after=6000)
    url = http_server.url("/lm.bin")
    with pytest.raises(DownloadError):
        DownloadManager(download_config=cfg(tmp_path, max_retries=0, resume_download=True)).download(url)
    path = DownloadManager(download_config=cfg(tmp_path, resume_download=True)).download(url)
    assert open(path, "rb").read() == data
    last = [h for m, p, h in http_server.requests if m == "GET"][-1]
    assert (last["Range"], last["If-Range"]) == ("bytes=6000-", date)


def test_gzip_content_encoding_is_cached_decoded(http_server, tmp_path):
    text = "".join(f"line {i}\n" for i in range(5000)).encode()
    http_server.add("/enc.txt", gzip.compress(text), headers={"Content-Encoding": "gzip"})
    path = DownloadManager(download_config=cfg(tmp_path)).download(http_server.url("/enc.txt"))
    assert open(path, "rb").read() == text
    http_server.add("/enc2.txt", gzip.compress(text), headers={"Content-Encoding": "gzip"})
    http_server.fault("/enc2.txt", "drop", after=3000)  # the retry cannot resume inside an encoded body
    path = DownloadManager(download_config=cfg(tmp_path, max_retries=1)).download(http_server.url("/enc2.txt"))
    assert open(path, "rb").read() == text


@pytest.fixture
def silent_server():
    "A TCP server on 127.0.0.1 that accepts connections and never answers."
    import socket, threading
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held, stop = [], threading.Event()

    def accept():
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join()
    for c in held:
        c.close()
    srv.close()


def test_streaming_honours_http_timeout_and_names_the_url(silent_server):
    url = f"{silent_server}/data/train.jsonl"
    code = textwrap.dedent(f"""
        import time
        from dataset_kit.streaming import xopen
        t0 = time.time()
        try: xopen({url!r}, "rb").read()
        except TimeoutError as e: print("TIMEOUT", round(time.time() - t0, 1), e)
    """)
    env = {**os.environ, "DATASET_KIT_HTTP_TIMEOUT": "1", "PYTHONPATH": os.getcwd()}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("TIMEOUT"), out.stdout + out.stderr
    seconds = float(out.stdout.split()[1])
    assert seconds < 30 and url in out.stdout and "DATASET_KIT_HTTP_TIMEOUT" in out.stdout
