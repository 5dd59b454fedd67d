"""Scored run directories for report and figure tests: synthetic records with known WER, rates and
timings, scored by the real scorer (so summary.csv is what `vfr-bench score` writes)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vfr_bench.jsonl import append_jsonl
from vfr_bench.scoring import score_run

WORDS = "apple river stone garden window market yellow silver basket candle".split()
MODELS = (("flexislm-7b", 1.0), ("training-free-uniform", 1.6))


def write_quality_run(
    path: Path, models: tuple[tuple[str, float], ...] = MODELS, task: str = "asr", seed: int = 0,
    rates: tuple[float, ...] = (12.5, 6.25, 4.0), time_per_hz: float = 0.1, checkpoint: str | None = None,
) -> Path:  # fmt: skip
    """`models` x `rates` x 12 utterances of `task`, WER rising as the rate falls (faster for a
    larger slope); t_total about time_per_hz x Hz; `checkpoint` recorded for every model."""
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    samples = []
    for model, slope in models:
        for hz in rates:
            for i in range(12):
                errors = min(10, rng.binomial(10, min(1.0, slope * 0.5 / hz)))
                hyp = " ".join("zebra" if j < errors else w for j, w in enumerate(WORDS))
                samples.append(_record(model, task, hz, i, hyp, rng, time_per_hz))
    append_jsonl(path / "samples.jsonl", samples)
    info = {"checkpoint": checkpoint} if checkpoint else {}
    manifest = {
        "argv": ["test"],
        "models": {model: dict(info) for model, _ in models},
        "tasks": {
            task: {"version": 1, "metrics": ["wer"], "dataset": {"name": "synthetic", "content_hash": "sha256:x"}}
        },
    }
    (path / "manifest.json").write_text(json.dumps(manifest))
    score_run(path, {task: ["wer"]})
    return path


def _record(model: str, task: str, hz: float, i: int, hyp: str, rng: np.random.Generator, per_hz: float) -> dict:
    achieved = hz * (1 + 0.03 * rng.standard_normal())
    return {
        "model": model, "rate_spec": f"{hz:g}", "task": task, "sample_id": f"s{i}", "status": "ok",
        "requested_input_hz": hz, "requested_output_hz": hz, "achieved_input_hz": achieved,
        "achieved_output_hz": None, "input_rate_error": achieved / hz - 1, "output_rate_error": None,
        "input_seconds": 3.0, "output_seconds": None, "text": hyp, "language": "en",
        "reference": {"text": " ".join(WORDS)},
        "timings": {
            "t_total": per_hz * hz * (1 + 0.1 * rng.random()), "t_first_token": None, "t_first_audio": None,
            "t_ar": per_hz / 2 * hz,
        },
    }  # fmt: skip


def assert_no_overlap_inside_axes(fig, ax, texts):
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    frame = ax.get_window_extent(renderer)
    for i, one in enumerate(boxes):
        assert frame.x0 - 1 <= one.x0 and one.x1 <= frame.x1 + 1 and frame.y0 - 1 <= one.y0 and one.y1 <= frame.y1 + 1
        for other in boxes[i + 1 :]:
            assert not one.overlaps(other), (texts[i].get_text(), one, other)
