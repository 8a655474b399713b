"""LAION-400M on paper and in simulation: the real shard-job machinery at full shard count, on a Dask LocalCluster.

Steps (each measurement in a fresh child process, so peak memory is the driver's own):
  scale    41,455 tiny shards in the img2dataset layout (1 image each), prepared with one job per shard on a
           LocalCluster of 2 worker processes: driver peak RSS, dataset_info.json size, per-job overhead, total
  shard    one real-size shard (10,000 JPEGs of 256x256) prepared in one process: images/s, seconds per shard,
           on dataset_kit and on `datasets` (the same builder source re-bound to `datasets`' classes), and the ratio
  scaling  the same 8 small shards with num_proc=1 and 2, and on LocalClusters of 1 and 2 workers:
           wall time, CPU per job, speedup and efficiency (this machine has 2 shared cores)
  project  wall time and cost for 10, 100 and 1,000 workers, from `shard` and `scale`

    .venv/bin/python benchmarks/laion_scale.py            # full: 41,455 shards (~an hour on 2 cores)
    .venv/bin/python benchmarks/laion_scale.py --quick    # under 30 s: 60 tiny shards, a 300-image shard

Only the real-size shard is run on `datasets` too: `datasets` has no Dask runner, so the scale and scaling steps
measure dataset_kit's machinery alone.
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
LAION_SHARDS = 41_455          # img2dataset shards of LAION-400M
IMAGES_PER_SHARD = 10_000      # input rows per shard (img2dataset's number_sample_per_shard)


def write_source(folder, n_shards, images_per_shard, size):
    "An img2dataset output folder: `n_shards` shards of `images_per_shard` successful JPEGs of `size` (w, h)."
    import numpy as np
    from dataset_kit.testing.laion import sample_rows, write_image_shard, jpeg_bytes, SUBJECTS
    rng = np.random.default_rng(0)
    cache = {}
    for shard in range(n_shards):
        rows, subjects = sample_rows(shard, images_per_shard + 4, rng, failure_rate=0.0, image_size=size)
        rows = [r for r in rows if r["status"] == "success"][:images_per_shard]
        images = {}
        for r, s in zip(rows, subjects):   # a few distinct images, reused: writing 10k JPEGs is not what is measured
            k = (s, int(r["key"]) % 8)
            if k not in cache: cache[k] = jpeg_bytes(SUBJECTS[s][1], size[0], size[1], seed=k[1])
            images[r["key"]] = cache[k]
        write_image_shard(folder, shard, rows, images)
    return folder


def _rss_mb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_scale(src, out, workers, jobs):
    "Prepare `src` on a LocalCluster, one job per shard; print the driver's measurements as JSON."
    from distributed import LocalCluster, Client
    from dataset_kit import disable_progress_bar
    from dataset_kit.catalog.laion400m import Laion400m
    disable_progress_bar()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        t = time.perf_counter(); client.gather(client.map(lambda i: i, range(2000), pure=False))
        dask_task = (time.perf_counter() - t) / 2000 * workers
        rss0 = _rss_mb()
        b = Laion400m(config_name="images", data_dir=src, cache_dir=os.path.dirname(out))
        t, c = time.perf_counter(), time.process_time()
        b.download_and_prepare(out, dask_client=client, num_proc=jobs)
        wall, driver_cpu = time.perf_counter() - t, time.process_time() - c
        t = time.perf_counter(); n = len(b.as_dataset("train")); open_s = time.perf_counter() - t
    print(json.dumps({"jobs": jobs, "rows": n, "wall_s": wall, "driver_cpu_s": driver_cpu, "open_s": open_s,
                      "driver_peak_rss_mb": _rss_mb(), "driver_rss_before_mb": rss0, "dask_task_s": dask_task,
                      "info_json_bytes": os.path.getsize(os.path.join(out, "dataset_info.json"))}))


def child_prepare(src, out, num_proc, workers, lib="dataset_kit"):
    "Prepare `src` inline (num_proc), or on a LocalCluster of `workers`; print wall and CPU (driver + workers)."
    from dataset_kit import disable_progress_bar
    import dataset_kit.catalog.laion400m as module
    disable_progress_bar()
    if lib == "datasets":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import datasets; from _rebind import module_on_datasets
        datasets.disable_progress_bars()
        module = module_on_datasets(module, "laion400m_on_datasets")
    Laion400m = module.Laion400m
    b = Laion400m(config_name="images", data_dir=src, cache_dir=os.path.dirname(out))
    n_jobs = len([f for f in os.listdir(src) if f.endswith(".tar")])
    if workers:
        from distributed import LocalCluster, Client
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            cpu0 = sum(client.run(time.process_time).values())
            t = time.perf_counter(); b.download_and_prepare(out, dask_client=client, num_proc=n_jobs)
            wall = time.perf_counter() - t
            cpu = sum(client.run(time.process_time).values()) - cpu0
    else:
        t, c = time.perf_counter(), time.process_time()
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        b.download_and_prepare(out, num_proc=num_proc if num_proc > 1 else None)
        wall = time.perf_counter() - t
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - c + (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    rows = len(b.as_dataset("train"))
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "jobs": n_jobs, "rows": rows}))


def run_child(*args):
    out = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=ROOT))
    if out.returncode: raise RuntimeError(f"child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="seconds: 60 tiny shards, a 300-image real-size shard")
    ap.add_argument("--shards", type=int, help=f"tiny shards for the scale step (default {LAION_SHARDS:,})")
    ap.add_argument("--images", type=int, help=f"images in the real-size shard (default {IMAGES_PER_SHARD:,})")
    ap.add_argument("--price", type=float, default=0.0425,
                    help="$ per worker-hour: one worker is one core (default: half a 2-vCPU on-demand VM at $0.085/h)")
    ap.add_argument("--shard-mb", type=float, default=270, help="size of a real LAION-400M shard tar, in MB (default 270)")
    ap.add_argument("--store-mbps", type=float, default=200, help="object-store read rate per worker, MB/s (default 200; assumed)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        step, *args = a.child
        if step == "scale": return child_scale(args[0], args[1], int(args[2]), int(args[3]))
        return child_prepare(args[0], args[1], int(args[2]), int(args[3]), *args[4:])
    n_shards = a.shards or (60 if a.quick else LAION_SHARDS)
    n_images = a.images or (300 if a.quick else IMAGES_PER_SHARD)
    small = (8, 40) if a.quick else (8, 400)   # scaling: shards x images of 256x256
    tmp = tempfile.mkdtemp(prefix="laion_scale-")
    print(f"laion_scale: {n_shards:,} tiny shards, a {n_images:,}-image shard, scaling on {small[0]} x {small[1]} images "
          f"(workdir {tmp})", flush=True)

    t = time.perf_counter(); write_source(f"{tmp}/tiny", n_shards, 1, (8, 8))
    print(f"  wrote {n_shards:,} tiny shards in {time.perf_counter() - t:.1f} s", flush=True)
    sc = run_child("scale", f"{tmp}/tiny", f"{tmp}/out/tiny", 2, n_shards)
    per_job = sc["wall_s"] * 2 / sc["jobs"]
    print(f"scale     {sc['jobs']:,} jobs on 2 workers: {sc['wall_s']:.1f} s total, {per_job * 1000:.1f} ms of worker time "
          f"per job (Dask alone: {sc['dask_task_s'] * 1000:.2f} ms a task), driver CPU {sc['driver_cpu_s']:.1f} s")
    print(f"          driver peak RSS {sc['driver_peak_rss_mb']:.0f} MB (with the cluster up, before the prepare: "
          f"{sc['driver_rss_before_mb']:.0f} MB); dataset_info.json {sc['info_json_bytes'] / 1e6:.2f} MB; "
          f"opening the {sc['rows']:,}-row dataset: {sc['open_s']:.2f} s", flush=True)

    write_source(f"{tmp}/real", 1, n_images, (256, 256))
    mb = os.path.getsize(f"{tmp}/real/00000.tar") / 1e6
    for lib in ("dataset_kit", "datasets"):
        r = run_child("prepare", f"{tmp}/real", f"{tmp}/out/real-{lib}", 1, 0, lib)
        print(f"shard     {lib:11s} {r['rows']:,} images of 256x256 ({mb:.0f} MB of tar): {r['wall_s']:.2f} s wall, "
              f"{r['cpu_s']:.2f} s CPU = {r['rows'] / r['wall_s']:,.0f} images/s", flush=True)
        if lib == "dataset_kit": sh = r
    per_shard = sh["wall_s"] * IMAGES_PER_SHARD / sh["rows"]
    print(f"          dataset_kit/datasets speed ratio {r['wall_s'] / sh['wall_s']:.2f}x; a {IMAGES_PER_SHARD:,}-image "
          f"shard takes dataset_kit {per_shard:.1f} s", flush=True)

    write_source(f"{tmp}/small", small[0], small[1], (256, 256))
    runs = {}
    for name, num_proc, workers in [("num_proc=1", 1, 0), ("num_proc=2", 2, 0), ("dask 1 worker", 0, 1), ("dask 2 workers", 0, 2)]:
        runs[name] = r = run_child("prepare", f"{tmp}/small", f"{tmp}/out/s-{num_proc}-{workers}", num_proc, workers)
        print(f"scaling   {name:15s} {r['jobs']} jobs: wall {r['wall_s']:.2f} s, CPU {r['cpu_s'] / r['jobs']:.3f} s a job",
              flush=True)
    for one, two in [("num_proc=1", "num_proc=2"), ("dask 1 worker", "dask 2 workers")]:
        s = runs[one]["wall_s"] / runs[two]["wall_s"]
        print(f"          {two} vs {one}: speedup {s:.2f}x, efficiency {s / 2:.0%} (2 cores shared with other work)")

    driver_per_job, read_s = sc["driver_cpu_s"] / sc["jobs"], a.shard_mb / a.store_mbps
    work = per_shard + per_job + read_s   # worker seconds a shard
    print(f"project   {LAION_SHARDS:,} shards of {IMAGES_PER_SHARD:,} images: {per_shard:.1f} s a shard + {per_job * 1000:.0f} ms "
          f"job overhead (measured) + {read_s:.1f} s to read a {a.shard_mb:.0f} MB shard at {a.store_mbps:.0f} MB/s per worker "
          f"(assumed); the driver spends {driver_per_job * 1000:.1f} ms a job, one job after another (measured); "
          f"${a.price}/worker-hour:")
    for w in (10, 100, 1000):
        compute, driver = LAION_SHARDS * work / w, LAION_SHARDS * driver_per_job
        hours = max(compute, driver) / 3600
        print(f"          {w:5d} workers: {hours:8.2f} h wall ({'the driver' if driver > compute else 'the workers'} set it), "
              f"${hours * w * a.price:,.0f} billed")

if __name__ == "__main__":
    main()
