"""Image / Audio feature throughput: dataset_kit vs datasets in one process (median of 3 runs).

    .venv/bin/python benchmarks/image_audio.py [--quick]

Image: encode 2,000 64x64 RGB numpy arrays to PNG into an Arrow column; decode 2,000 stored PNGs to PIL.
Audio: datasets 5 needs torch + torchcodec for audio, absent here, so audio figures are dataset_kit's alone:
encode 300 one-second 44.1 kHz clips to WAV, decode them, and decode + resample them to 16 kHz.
"""
import argparse, statistics, time
import numpy as np
import pyarrow as pa
import datasets
from dataset_kit.features import Features
from dataset_kit.image import Image
from dataset_kit.audio import Audio


RUNS = 3

def median_time(f, runs=None):
    runs = runs or RUNS
    times = []
    for _ in range(runs):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return statistics.median(times)


def row(label, n, ours, theirs=None):
    s = f"{label:<44} dataset_kit {n / ours:>9,.0f}/s"
    if theirs: s += f"   datasets {n / theirs:>9,.0f}/s   ratio {theirs / ours:5.2f}x"
    print(s)


def main():
    global RUNS
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="seconds on tiny data (CI): both libraries, every ratio")
    quick = ap.parse_args().quick
    if quick: RUNS = 1
    rng = np.random.default_rng(0)
    n = 100 if quick else 2000
    arrays = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(n)]
    ours_f, ds_f = Features({"image": Image()}), datasets.Features({"image": datasets.Image()})
    enc_ours = median_time(lambda: ours_f.encode_to_arrow({"image": arrays}))
    enc_ds = median_time(lambda: pa.array(ds_f.encode_batch({"image": arrays})["image"], type=ds_f.type["image"].type))
    row("Image encode (numpy -> PNG -> Arrow)", n, enc_ours, enc_ds)
    stored = ours_f.encode_to_arrow({"image": arrays})["image"].to_pylist()
    dec_ours = median_time(lambda: [Image().decode_example(v) for v in stored])
    dec_ds = median_time(lambda: [datasets.Image().decode_example(v) for v in stored])
    row("Image decode (PNG bytes -> PIL, loaded)", n, dec_ours, dec_ds)
    dec_col_ours = median_time(lambda: ours_f.decode_column(stored, "image"))
    dec_col_ds = median_time(lambda: ds_f.decode_column(stored, "image"))
    row("Image Features.decode_column", n, dec_col_ours, dec_col_ds)

    m, sr = (10 if quick else 300), 44100
    clips = [{"array": rng.standard_normal(sr).astype(np.float32) * 0.1, "sampling_rate": sr} for _ in range(m)]
    a = Audio()
    t_enc = median_time(lambda: a.encode_arrow_column(clips))
    row("Audio encode (1 s float32 -> WAV -> Arrow)", m, t_enc)
    stored_a = a.encode_arrow_column(clips).to_pylist()
    t_dec = median_time(lambda: [a.decode_example(v)["array"] for v in stored_a])
    row("Audio decode (1 s 44.1 kHz WAV)", m, t_dec)
    r = Audio(sampling_rate=16000)
    t_res = median_time(lambda: [r.decode_example(v)["array"] for v in stored_a])
    row("Audio decode + resample 44.1 -> 16 kHz", m, t_res)
    print(f"(decode + resample runs at {m / t_res:,.0f}x real time)")


if __name__ == "__main__":
    main()
