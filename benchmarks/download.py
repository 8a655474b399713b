"""Download and extraction throughput: dataset_kit vs `cp` / `curl` / `tar` vs `datasets`, same files, one run.

    .venv/bin/python benchmarks/download.py              # 200 MB file, 200 MB tar (about a minute)
    .venv/bin/python benchmarks/download.py --mb 50

Download: a file of random bytes served by the loopback test server (tests/http_server.py, run in its own
process so it does not share our GIL), fetched into an empty cache each time: dataset_kit's
`DownloadManager.download` (HEAD + GET + sha256 of every byte), `datasets`' `DownloadManager.download`,
`curl -o` (the same HTTP transfer without a cache), and `cp` of the source file (the disk ceiling).
Extract: a tar of 1 MB files: dataset_kit's `DownloadManager.extract` (member checks + `data` filter + atomic
rename), `datasets`' `DownloadManager.extract`, and `tar -xf`. Every figure is the median of `--repeat` runs
(files on tmpfs `/dev/shm` by default, `--dir` to change: on a real disk writeback noise dominates).
"""
import argparse, io, os, shutil, statistics, subprocess, sys, tarfile, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from dataset_kit.core import disable_progress_bar
from dataset_kit.download import DownloadConfig, DownloadManager

SERVER = f"""
import sys, time
sys.path.insert(0, {os.path.join(ROOT, 'tests')!r})
from http_server import FaultyHTTPServer
s = FaultyHTTPServer().start()
s.add("/big.bin", open(sys.argv[1], "rb").read())
print(s.port, flush=True)
time.sleep(3600)
"""


def median_time(fn, repeat, setup=None):
    "Median wall time of `fn`; dirty pages are flushed first so one run's writeback is not billed to the next."
    ts = []
    for _ in range(repeat):
        if setup: setup()
        os.sync()
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                    help="where to write (default: tmpfs /dev/shm, so the software is measured, not the disk)")
    args = ap.parse_args()
    disable_progress_bar()
    work = tempfile.mkdtemp(prefix="dk_bench_dl_", dir=args.dir)
    size = args.mb * 2**20
    src = os.path.join(work, "big.bin")
    with open(src, "wb") as f:
        for _ in range(args.mb): f.write(os.urandom(2**20))
    server = subprocess.Popen([sys.executable, "-c", SERVER, src], stdout=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/big.bin"
        cache = os.path.join(work, "cache")
        rows = []
        t = median_time(lambda: DownloadManager(download_config=DownloadConfig(cache_dir=cache, disable_tqdm=True)).download(url),
                        args.repeat, lambda: fresh(cache))
        rows.append(("download", "dataset_kit", t))
        out = os.path.join(work, "curl.bin")
        rows.append(("download", "curl -o", median_time(lambda: subprocess.run(["curl", "-s", "-o", out, url], check=True), args.repeat)))
        rows.append(("download", "cp", median_time(lambda: subprocess.run(["cp", src, out], check=True), args.repeat)))
        try:
            import datasets
            datasets.disable_progress_bars()
            hf_cache = os.path.join(work, "hf")
            t = median_time(lambda: datasets.DownloadManager(download_config=datasets.DownloadConfig(cache_dir=hf_cache)).download(url),
                            args.repeat, lambda: fresh(hf_cache))
            rows.append(("download", "datasets", t))
        except Exception as e:  # report, don't hide
            print(f"datasets download failed: {type(e).__name__}: {e}")

        tar_path = os.path.join(work, "big.tar")
        with open(src, "rb") as f, tarfile.open(tar_path, "w") as tar:
            for i in range(args.mb):
                ti = tarfile.TarInfo(f"data/{i:05d}.bin"); ti.size = 2**20
                tar.addfile(ti, io.BytesIO(f.read(2**20)))
        ex_cache = os.path.join(work, "excache")
        t = median_time(lambda: DownloadManager(download_config=DownloadConfig(cache_dir=ex_cache, disable_tqdm=True)).extract(tar_path),
                        args.repeat, lambda: fresh(ex_cache))
        rows.append(("extract", "dataset_kit", t))
        tar_out = os.path.join(work, "tar_out")
        rows.append(("extract", "tar -xf", median_time(lambda: subprocess.run(["tar", "-xf", tar_path, "-C", tar_out], check=True),
                                                      args.repeat, lambda: fresh(tar_out))))
        try:
            import datasets
            hf_ex = os.path.join(work, "hfex")
            t = median_time(lambda: datasets.DownloadManager(download_config=datasets.DownloadConfig(cache_dir=hf_ex)).extract(tar_path),
                            args.repeat, lambda: fresh(hf_ex))
            rows.append(("extract", "datasets", t))
        except Exception as e:
            print(f"datasets extract failed: {type(e).__name__}: {e}")

        print(f"\n{args.mb} MB in {work}, median of {args.repeat}")
        print(f"{'workload':10} {'tool':12} {'seconds':>8} {'MB/s':>8} {'time / dataset_kit time':>24}")
        base = {w: t for w, tool, t in rows if tool == "dataset_kit"}
        for w, tool, t in rows:
            print(f"{w:10} {tool:12} {t:8.3f} {args.mb / t:8.0f} {t / base[w]:24.2f}")
    finally:
        server.kill(); server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
