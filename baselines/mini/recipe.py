"""The whole recipe behind `vfr-bench train-mini`: speech, encoder outputs, one model per strategy.

Every stage keeps what it finished (speech files, encoded shards, checkpoints), so running the same
command again resumes where it stopped. `install` copies the kept weights and their training
manifest into the package, where `mini-dynamic` / `mini-uniform` load them from.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vfr_bench.baselines.mini.train import TrainConfig
from vfr_bench.progress import SILENT, Progress

SPEECH_REVISION = "1"


@dataclass
class Recipe:
    out: Path  # checkpoints and results, one folder per strategy
    cache: Path  # speech and encoder outputs (shared by every strategy)
    n_train: int = 2200
    n_valid: int = 150
    n_test: int = 60
    steps: int = 1000
    batch: int = 16
    seed: int = 0
    threads: int = 1
    strategies: tuple[str, ...] = ("dynamic", "uniform")
    max_minutes: float | None = None  # per strategy, then stop with what the validation kept

    def speech_dir(self) -> Path:
        return self.cache / f"mini-speech-v{SPEECH_REVISION}"

    def encoded_dir(self) -> Path:
        return self.cache / f"mini-encoded-v{SPEECH_REVISION}-{self.n_train}-{self.n_valid}-s{self.seed}"


class _Counter:
    """Adapts a (done, total) callback to the Progress interface."""

    def __init__(self, progress: Progress, label: str):
        self.progress, self.label, self.done = progress, label, 0

    def __call__(self, done: int, total: int) -> None:
        if self.done == 0:
            self.progress.start(self.label, self.label, total)
        while self.done < done:
            self.progress.advance(self.label)
            self.done += 1


def prepare_data(recipe: Recipe, progress: Progress = SILENT) -> Path:
    """Speech and encoder outputs for the recipe (made or resumed); returns the encoded folder."""
    from vfr_bench.baselines.mini.datagen import make_speech
    from vfr_bench.baselines.mini.features import encode_split
    from vfr_bench.baselines.training_free.whisper_model import WhisperCT2

    counter = _Counter(progress, "speak training data")
    manifest = make_speech(recipe.speech_dir(), recipe.n_train, recipe.n_valid, recipe.n_test, counter)
    whisper = WhisperCT2("tiny.en", compute_type="int8", cpu_threads=recipe.threads)
    counts = {"train": recipe.n_train, "valid": recipe.n_valid, "test": recipe.n_test}
    for split, limit in counts.items():
        counter = _Counter(progress, f"encode {split}")
        encode_split(whisper, manifest, split, recipe.encoded_dir(), recipe.seed, limit=limit, progress=counter)
    return recipe.encoded_dir()


def train_all(recipe: Recipe, progress: Progress = SILENT) -> dict[str, dict[str, Any]]:
    """Train (or resume) every strategy with the same data, steps and seed."""
    from vfr_bench.baselines.mini.trainer import train
    from vfr_bench.baselines.training_free.whisper_model import resolve_model

    encoded = prepare_data(recipe, progress)
    whisper = Path(resolve_model("tiny.en")[0])
    results = {}
    for strategy in recipe.strategies:
        config = TrainConfig(strategy, steps=recipe.steps, batch=recipe.batch, seed=recipe.seed, threads=recipe.threads)
        budget = None if recipe.max_minutes is None else 60 * recipe.max_minutes
        results[strategy] = train(config, encoded, recipe.out / strategy, whisper, progress, max_seconds=budget)
    return results


def install(run: Path, strategy: str, target: Path) -> Path:
    """Copy a finished run's kept weights and manifest to `target` (the package's weights folder)."""
    best, manifest = run / "best.safetensors", run / "manifest.json"
    if not best.is_file() or not manifest.is_file():
        raise FileNotFoundError(f"{run} holds no finished training (best.safetensors and manifest.json)")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(best, target / f"mini-{strategy}.safetensors")
    (target / f"mini-{strategy}.json").write_text(json.dumps(json.loads(manifest.read_text()), indent=1) + "\n")
    return target / f"mini-{strategy}.safetensors"
