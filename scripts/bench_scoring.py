"""Scoring throughput on this machine: utterances per second for the ASR judge (tiny.en), PESQ + STOI
(1 process vs all cores) and DNSMOS, on the 24 built-in utterances returned with white noise at 10 dB.

    python scripts/bench_scoring.py [--copies 2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from vfr_bench.audio import load_audio, write_flac
from vfr_bench.data.builtin_speech import read_speech_en
from vfr_bench.jsonl import append_jsonl
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.run_dir import SCORES
from vfr_bench.scoring import score_run


def make_run(folder: Path, copies: int) -> tuple[int, float]:
    rng = np.random.default_rng(0)
    records, seconds = [], 0.0
    for copy in range(copies):
        for s in read_speech_en().samples:
            wave = load_audio(s.audio).samples
            noisy = wave + np.sqrt(np.mean(wave**2) / 10) * rng.standard_normal(len(wave)).astype(np.float32)
            rel = f"audio/{s.id}-{copy}.flac"
            write_flac(folder / rel, noisy / max(1.0, np.abs(noisy).max()), 16000)
            seconds += len(wave) / 16000
            records.append(
                {
                    "model": "noisy",
                    "rate_spec": "native",
                    "task": "rate-fidelity",
                    "sample_id": f"{s.id}-{copy}",
                    "status": "ok",
                    "requested_input_hz": None,
                    "requested_output_hz": None,
                    "text": None,
                    "audio": rel,
                    "source_audio": str(s.audio),
                    "language": "en",
                    "reference": {"text": s.text},
                    "timings": {"t_total": 1.0},
                }
            )
    append_jsonl(folder / "samples.jsonl", records)
    (folder / "manifest.json").write_text(json.dumps({"argv": [], "models": {}, "tasks": {}}))
    return len(records), seconds


def timed(folder: Path, metrics: list[str], workers: int) -> float:
    (folder / SCORES).unlink(missing_ok=True)
    start = time.perf_counter()
    score_run(folder, {}, only=metrics, judges=JudgeSettings(workers=workers))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=2, help="copies of the 24 utterances")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n, seconds = make_run(folder, args.copies)
        print(f"{n} utterances, {seconds:.0f} s of audio, {cores} cores")
        for label, metrics, workers in (
            ("ASR judge faster-whisper tiny.en (asr_wer)", ["asr_wer"], 1),
            ("PESQ wb + STOI, 1 process", ["pesq_wb", "stoi"], 1),
            (f"PESQ wb + STOI, {cores} processes", ["pesq_wb", "stoi"], cores),
            ("DNSMOS (speechmos ONNX)", ["dnsmos_ovrl"], 1),
        ):
            elapsed = timed(folder, metrics, workers)
            print(f"{label:<45} {n / elapsed:7.1f} utterances/s  ({elapsed:.1f} s)")


if __name__ == "__main__":
    main()
