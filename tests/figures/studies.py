"""Synthetic studies for the figure suite, written through the project's own records and run
directory (SampleRecord, Manifest, RunDirectory) and scored by the real scorer: a study of 1, 2, 4
or 13 tasks (13: a clean task and white/pink/babble noise at 4 SNRs, as `asr,asr-noise` makes; 4:
a suite's four languages) and 1, 2 or 8 series (8: four models in each of two runs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vfr_bench.jsonl import append_lines
from vfr_bench.records import Manifest, Reference, SampleRecord, TaskInfo, Timings
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring import score_run

WORDS = "apple river stone garden window market yellow silver basket candle".split()
MODELS = ("training-free-dynamic", "training-free-uniform", "flexislm-7b", "qwen2.5-omni-7b")
RATES = (12.5, 6.25, 5.0, 4.0)
N_UTTERANCES = 4
SOURCE = "builtin:read-speech-en"


def task_infos(n_tasks: int) -> dict[str, TaskInfo]:
    """The tasks of a study of n_tasks, as the runner records them in the manifest."""
    data = {"name": "read-speech-en", "source": SOURCE, "content_hash": "sha256:x"}
    if n_tasks == 13:
        out = {"asr": TaskInfo(name="asr", version=1, metrics=["wer"], dataset=data)}
        for kind in ("white", "pink", "babble"):
            for snr in (20.0, 10.0, 5.0, 0.0):
                name = f"asr-noise@{kind}@{snr:g}dB"
                noisy = {**data, "name": f"read-speech-en@{kind}@{snr:g}dB"}
                noise = {"kind": kind, "snr_db": snr, "seed": 0}
                out[name] = TaskInfo(name=name, version=1, metrics=["wer"], noise=noise, family="asr-noise",
                                     dataset=noisy)  # fmt: skip
        return out
    if n_tasks == 4:
        return {
            f"multilingual-espeak@{lang}": TaskInfo(
                name=f"multilingual-espeak@{lang}", version=1, metrics=["wer"], family="multilingual-espeak",
                dataset={"name": "multilingual-espeak", "source": "builtin:multilingual-espeak", "content_hash": "x"},
            )
            for lang in ("de", "es", "it", "en")
        }  # fmt: skip
    names = ["asr", "librispeech-test-clean"][:n_tasks]
    return {name: TaskInfo(name=name, version=1, metrics=["wer"], dataset=data) for name in names}


def difficulty(task: str) -> float:
    """How much harder a task is than clean speech: more noise, more errors."""
    if "@" not in task or not task.endswith("dB"):
        return 1.0 + 0.1 * (sum(map(ord, task)) % 4)
    snr = float(task.rsplit("@", 1)[-1].removesuffix("dB"))
    return 1.0 + (20.0 - snr) / 10.0


def write_study(
    path: Path, n_tasks: int, models: tuple[str, ...], seed: int = 0, time_scale: dict[float, float] | None = None
) -> Path:
    """One scored run directory: `models` x RATES x the study's tasks x N_UTTERANCES; t_total at a
    rate in `time_scale` is multiplied by its factor (a busy machine)."""
    run = RunDirectory(path)
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tasks = task_infos(n_tasks)
    records = [
        _record(model, task, hz, i, rng, (1.0 + 0.4 * k) * difficulty(task), (time_scale or {}).get(hz, 1.0))
        for k, model in enumerate(models) for task in tasks for hz in RATES for i in range(N_UTTERANCES)
    ]  # fmt: skip
    append_lines(run.samples_path, [r.to_json() for r in records])
    run.write_manifest(
        Manifest(argv=["vfr-bench", "run"], models={m: {"options": {}} for m in models},
                 rate_specs=[f"{hz:g}" for hz in RATES], tasks=tasks)
    )  # fmt: skip
    score_run(path, {name: ["wer"] for name in tasks})
    return path


def _record(
    model: str, task: str, hz: float, i: int, rng: np.random.Generator, slope: float, slow: float
) -> SampleRecord:
    errors = min(10, int(rng.binomial(10, min(1.0, slope * 0.4 / hz))))
    hypothesis = " ".join("zebra" if j < errors else w for j, w in enumerate(WORDS))
    achieved = hz * (1 + 0.02 * rng.standard_normal())
    t_total = slow * (0.2 + 0.05 * hz) * (1 + 0.1 * rng.random())
    return SampleRecord(
        model=model, rate_spec=f"{hz:g}", task=task, sample_id=f"utt-{i}", status="ok", requested_input_hz=hz,
        requested_output_hz=None, achieved_input_hz=achieved, input_rate_error=achieved / hz - 1,
        input_seconds=3.0, text=hypothesis, language="en", reference=Reference(text=" ".join(WORDS)),
        timings=Timings(t_total=t_total, t_ar=0.5 * t_total),
    )  # fmt: skip
