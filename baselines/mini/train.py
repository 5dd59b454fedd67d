"""Fine-tune Whisper tiny.en's decoder cross-attention on merged frames at random rates (4-12.5 Hz).

One run per strategy; the same encoded data, steps and seed for every strategy, so dynamic and
uniform are compared as trained models. Each sample of a batch draws its own rate; the batches
and rates follow from (seed, step) alone, so a resumed run sees what an unbroken one would.
Checkpoints (weights, optimiser, step, curves) are written every `checkpoint_every` steps and
resumed from; the validation loss picks the kept weights (best, with early stopping), and
snapshots at fractions of the steps make the checkpoint series the gate is tested on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vfr_bench.baselines.mini.decoder import END_EN, PROMPT_EN, decoder_logits, group_frames
from vfr_bench.baselines.mini.features import Encoded

VALID_RATES = (4.0, 6.25, 12.5)


@dataclass
class TrainConfig:
    strategy: str  # dynamic | uniform
    steps: int = 1200
    batch: int = 16
    lr: float = 5e-4
    warmup: int = 50
    seed: int = 0
    min_hz: float = 4.0
    max_hz: float = 12.5
    span_cap: float | None = 3.0  # dynamic: no group longer than 3x the mean span at the rate
    eval_every: int = 100
    checkpoint_every: int = 25
    patience: int = 4  # evaluations without a better validation loss before stopping
    snapshots: tuple[float, ...] = (0.25, 0.5, 1.0)
    threads: int = 1

    def __post_init__(self) -> None:
        if self.strategy not in ("dynamic", "uniform"):
            raise ValueError(f"strategy must be dynamic or uniform, not {self.strategy!r}")
        if self.steps < 1 or self.batch < 1 or not 0 < self.min_hz <= self.max_hz <= 25:
            raise ValueError("steps and batch must be positive and 0 < min_hz <= max_hz <= 25")


@dataclass
class History:
    step: int = 0
    train: list[tuple[int, float]] = field(default_factory=list)
    valid: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    best_step: int = 0
    best_loss: float = math.inf
    stale: int = 0
    seconds: float = 0.0


class Batcher:
    """Tensors for a list of (window frames, token ids, rate) under one strategy."""

    def __init__(self, tokenizer: Any, config: TrainConfig):
        self.tokenizer, self.config = tokenizer, config
        self._tokens: dict[str, list[int]] = {}

    def vocabulary(self, texts: list[str]) -> set[int]:
        return {t for text in texts for t in self.tokens(text)}

    def tokens(self, text: str) -> list[int]:
        if text not in self._tokens:
            ids = self.tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids
            self._tokens[text] = [*PROMPT_EN, *ids[:440], END_EN]
        return self._tokens[text]

    def tensors(self, items: list[tuple[np.ndarray, str, float]]) -> dict[str, Any]:
        import torch

        grouped = [group_frames(frames, hz, self.config.strategy, self.config.span_cap) for frames, _, hz in items]
        seqs = [self.tokens(text) for _, text, _ in items]
        n, g_max, t_max = len(items), max(len(g.durations) for g in grouped), max(len(s) for s in seqs)
        vectors = torch.zeros(n, g_max, grouped[0].vectors.shape[1])
        durations = torch.ones(n, g_max, dtype=torch.long)
        mask = torch.zeros(n, g_max, dtype=torch.bool)
        tokens = torch.full((n, t_max - 1), END_EN, dtype=torch.long)
        labels = torch.full((n, t_max - 1), -100, dtype=torch.long)
        for i, (g, seq) in enumerate(zip(grouped, seqs)):
            vectors[i, : len(g.durations)] = torch.from_numpy(g.vectors)
            durations[i, : len(g.durations)] = torch.from_numpy(g.durations)
            mask[i, : len(g.durations)] = True
            tokens[i, : len(seq) - 1] = torch.tensor(seq[:-1])
            labels[i, len(PROMPT_EN) - 1 : len(seq) - 1] = torch.tensor(seq[len(PROMPT_EN) :])
        return {"tokens": tokens, "labels": labels, "groups": vectors, "durations": durations, "mask": mask}


class Shortlist:
    """The output tokens training scores: every token of the training sentences, and the end token.

    The softmax runs over these ~14 k of Whisper's 51,864 tokens (a sampled softmax: the output
    projection is frozen, and the vocabulary projection is most of a step's cost on a CPU).
    Validation scores the full vocabulary."""

    def __init__(self, model: Any, token_ids: set[int]):
        import torch

        ids = sorted(token_ids | {END_EN})
        self.ids = torch.tensor(ids)
        self.index = torch.full((model.config.vocab_size,), -100, dtype=torch.long)
        self.index[self.ids] = torch.arange(len(ids))
        self.weight = model.model.decoder.embed_tokens.weight.detach()[self.ids].to(torch.bfloat16)

    def labels(self, labels: Any) -> Any:
        import torch

        mapped = self.index[labels.clamp(min=0)]
        if bool(((mapped < 0) & (labels >= 0)).any()):
            raise ValueError("a training label is outside the shortlist")
        return torch.where(labels >= 0, mapped, -100)


def loss_of(model: Any, batch: dict[str, Any], shortlist: Shortlist | None = None) -> Any:
    """Token cross-entropy; under bfloat16 autocast (AMX on recent Xeons) with a shortlist."""
    import torch

    args = (batch["tokens"], batch["groups"], batch["durations"], batch["mask"])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = decoder_logits(model, *args, output=None if shortlist is None else shortlist.weight)
    labels = batch["labels"] if shortlist is None else shortlist.labels(batch["labels"])
    return torch.nn.functional.cross_entropy(logits.float().flatten(0, 1), labels.flatten(), ignore_index=-100)


def step_items(data: Encoded, config: TrainConfig, step: int) -> list[tuple[np.ndarray, str, float]]:
    """The batch of `step`: an epoch-wise permutation of the windows and one rate per sample."""
    per_epoch = max(1, len(data) // config.batch)
    epoch, k = divmod(step, per_epoch)
    order = np.random.default_rng([config.seed, epoch]).permutation(len(data))
    picks = order[k * config.batch : (k + 1) * config.batch]
    rates = np.random.default_rng([config.seed, 1_000_003, step]).uniform(config.min_hz, config.max_hz, len(picks))
    return [(data.window(int(i)).astype(np.float32), data.texts[int(i)], float(hz)) for i, hz in zip(picks, rates)]


def validate(model: Any, batcher: Batcher, data: Encoded, batch: int) -> dict[str, float]:
    """Teacher-forced loss on the validation windows at each of VALID_RATES (and their mean)."""
    import torch

    out = {}
    with torch.no_grad():
        for hz in VALID_RATES:
            total = 0.0
            for start in range(0, len(data), batch):
                idx = range(start, min(start + batch, len(data)))
                items = [(data.window(i).astype(np.float32), data.texts[i], hz) for i in idx]
                total += float(loss_of(model, batcher.tensors(items))) * len(items)
            out[f"{hz:g}"] = total / len(data)
    out["mean"] = float(np.mean([out[f"{hz:g}"] for hz in VALID_RATES]))
    return out
