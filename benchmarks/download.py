"""Download and extraction throughput: dataset_kit vs `cp` / `curl` / `tar` vs `datasets`, same files, one run.

    .venv/bin/python benchmarks/download.py              # 200 MB file, 200 MB tar (about a minute)
    .venv/bin/python benchmarks/download.py --mb 50

Download: a file of random bytes served by the loopback test server (tests/http_server.py, run in its own
process so it does not share our GIL), fetched into an empty cache each time: dataset_kit's
`DownloadManager.download` (HEAD + GET + sha256 of every byte, the seed's default `record_checksums=True`), the
same with `record_checksums=False` ("dk no sha256"), `datasets`' `DownloadManager.download` (whose default, in
datasets 5, is `record_checksums=False`),
`curl -o` (the same HTTP transfer without a cache), and `cp` of the source file (the disk ceiling).
Many files: `--small` 10 kB files from the same server (files/s instead of MB/s): dataset_kit's default (16 threads
for 16+ files, like `datasets`), the same one file at a time (num_proc=1), and `datasets`.
Extract: a tar of 1 MB files: dataset_kit's `DownloadManager.extract` (member checks + `data` filter + atomic
rename), `datasets`' `DownloadManager.extract`, and `tar -xf`. Tools run round-robin, `--repeat` times, and each
figure is a median; CPU seconds (this process and its children: for dataset_kit/datasets the client only, for
curl/cp/tar the command) are shown beside wall time because they suffer less from other load on the machine
(files on tmpfs `/dev/shm` by default, `--dir` to change: on a real disk writeback noise dominates).
"""
import argparse, io, os, resource, shutil, statistics, subprocess, sys, tarfile, tempfile, time

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
for i in range(int(sys.argv[2])):
    s.add(f"/small/{{i:05d}}.bin", bytes([i % 256]) * 10_000)
print(s.port, flush=True)
time.sleep(3600)
"""


def cpu_seconds():
    "CPU time of this process (all threads) plus its finished children."
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def race(tools, repeat):
    """Run `tools` {name: (fn, setup)} round-robin `repeat` times (so load from other processes hits all alike);
    return {name: (median wall seconds, median CPU seconds)}. Dirty pages are flushed before each run."""
    wall, cpu = {n: [] for n in tools}, {n: [] for n in tools}
    for _ in range(repeat):
        for name, (fn, setup) in tools.items():
            if setup: setup()
            os.sync()
            t, c = time.perf_counter(), cpu_seconds()
            fn()
            wall[name].append(time.perf_counter() - t); cpu[name].append(cpu_seconds() - c)
    return {n: (statistics.median(wall[n]), statistics.median(cpu[n])) for n in tools}


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--small", type=int, default=500, help="number of 10 kB files for the many-files workload")
    ap.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                    help="where to write (default: tmpfs /dev/shm, so the software is measured, not the disk)")
    ap.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
    args = ap.parse_args()
    if args.quick: args.mb, args.repeat, args.small = 2, 1, 20
    disable_progress_bar()
    work = tempfile.mkdtemp(prefix="dk_bench_dl_", dir=args.dir)
    size = args.mb * 2**20
    src = os.path.join(work, "big.bin")
    with open(src, "wb") as f:
        for _ in range(args.mb): f.write(os.urandom(2**20))
    server = subprocess.Popen([sys.executable, "-c", SERVER, src, str(args.small)], stdout=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/big.bin"
        cache, hf_cache, out = os.path.join(work, "cache"), os.path.join(work, "hf"), os.path.join(work, "curl.bin")
        tools = {
            "dataset_kit": (lambda: DownloadManager(download_config=DownloadConfig(cache_dir=cache, disable_tqdm=True)).download(url),
                            lambda: fresh(cache)),
            "dk no sha256": (lambda: DownloadManager(download_config=DownloadConfig(cache_dir=cache, disable_tqdm=True),
                                                     record_checksums=False).download(url), lambda: fresh(cache)),
            "curl -o": (lambda: subprocess.run(["curl", "-s", "-o", out, url], check=True), None),
            "cp": (lambda: subprocess.run(["cp", src, out], check=True), None),
        }
        try:
            import datasets
            datasets.disable_progress_bars()
            tools["datasets"] = (lambda: datasets.DownloadManager(download_config=datasets.DownloadConfig(cache_dir=hf_cache)).download(url),
                                 lambda: fresh(hf_cache))
        except ImportError as e:
            print(f"datasets not available: {e}")
        results = [("download", name, *r) for name, r in race(tools, args.repeat).items()]

        small = [url.replace("/big.bin", f"/small/{i:05d}.bin") for i in range(args.small)]
        sc, hs = os.path.join(work, "smallcache"), os.path.join(work, "hfsmall")
        tools = {
            "dataset_kit": (lambda: DownloadManager(download_config=DownloadConfig(cache_dir=sc, disable_tqdm=True)).download(small),
                            lambda: fresh(sc)),
            "dk num_proc=1": (lambda: DownloadManager(download_config=DownloadConfig(cache_dir=sc, disable_tqdm=True, num_proc=1)).download(small),
                              lambda: fresh(sc)),
        }
        if "datasets" in sys.modules:
            tools["datasets"] = (lambda: datasets.DownloadManager(download_config=datasets.DownloadConfig(cache_dir=hs)).download(small),
                                 lambda: fresh(hs))
        results += [(f"{args.small} small", name, *r) for name, r in race(tools, args.repeat).items()]

        tar_path = os.path.join(work, "big.tar")
        with open(src, "rb") as f, tarfile.open(tar_path, "w") as tar:
            for i in range(args.mb):
                ti = tarfile.TarInfo(f"data/{i:05d}.bin"); ti.size = 2**20
                tar.addfile(ti, io.BytesIO(f.read(2**20)))
        ex_cache, tar_out, hf_ex = (os.path.join(work, n) for n in ("excache", "tar_out", "hfex"))
        tools = {
            "dataset_kit": (lambda: DownloadManager(download_config=DownloadConfig(cache_dir=ex_cache, disable_tqdm=True)).extract(tar_path),
                            lambda: fresh(ex_cache)),
            "tar -xf": (lambda: subprocess.run(["tar", "-xf", tar_path, "-C", tar_out], check=True), lambda: fresh(tar_out)),
        }
        if "datasets" in sys.modules:
            tools["datasets"] = (lambda: datasets.DownloadManager(download_config=datasets.DownloadConfig(cache_dir=hf_ex)).extract(tar_path),
                                 lambda: fresh(hf_ex))
        results += [("extract", name, *r) for name, r in race(tools, args.repeat).items()]

        print(f"\n{args.mb} MB in {work}, median of {args.repeat} round-robin runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'workload':10} {'tool':13} {'wall s':>7} {'MB/s':>6} {'CPU s':>6} {'wall / dataset_kit wall':>24}")
        base = {w: t for w, tool, t, c in results if tool == "dataset_kit"}
        for w, tool, t, c in results:
            rate = f"{args.small / t:5.0f}/s" if "small" in w else f"{args.mb / t:6.0f}"  # files/s for many small files
            print(f"{w:10} {tool:13} {t:7.3f} {rate:>6} {c:6.2f} {t / base[w]:24.2f}")
    finally:
        server.kill(); server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
