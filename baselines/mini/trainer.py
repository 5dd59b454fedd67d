"""The training loop: resumable checkpoints, validation with early stopping, snapshots, the manifest."""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.baselines.mini.decoder import trainable_names
from vfr_bench.baselines.mini.features import load_encoded
from vfr_bench.baselines.mini.train import Batcher, History, Shortlist, TrainConfig, loss_of, step_items, validate
from vfr_bench.progress import SILENT, Progress

CHECKPOINT = "checkpoint.pt"


def data_sha256(encoded: Path) -> str:
    """One hash over the encoded training and validation shards (what the weights were trained on)."""
    digest = hashlib.sha256()
    for shard in sorted(p for p in encoded.iterdir() if p.suffix in (".npz", ".json") and not p.name.startswith(".")):
        if shard.name.startswith(("train-", "valid-")):
            digest.update(shard.name.encode())
            digest.update(shard.read_bytes())
    return digest.hexdigest()


def delta_of(model: Any, names: list[str]) -> dict[str, np.ndarray]:
    params = dict(model.named_parameters())
    return {name: params[name].detach().to("cpu").float().numpy().astype(np.float16) for name in names}


def save_delta(delta: dict[str, np.ndarray], path: Path, metadata: dict[str, str] | None = None) -> None:
    from safetensors.numpy import save_file

    tmp = path.with_name(f".{path.name}.tmp")
    save_file(delta, str(tmp), metadata=metadata)
    os.replace(tmp, path)


def _atomic_torch_save(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _schedule(config: TrainConfig):
    def factor(step: int) -> float:
        if step < config.warmup:
            return (step + 1) / config.warmup
        return max(0.1, 1.0 - (step - config.warmup) / max(1, config.steps - config.warmup))

    return factor


class _Run:
    """The model, its trainable weights, optimiser and schedule, resumed from `out` where a checkpoint is."""

    def __init__(self, config: TrainConfig, out: Path, whisper_folder: Path):
        import torch

        from vfr_bench.whisper_ct2.torch_whisper import load_transformers_whisper

        self.config, self.out = config, out
        self.model = load_transformers_whisper(whisper_folder)
        self.names = trainable_names(self.model)
        self.params = dict(self.model.named_parameters())
        for name, p in self.params.items():
            p.requires_grad_(name in self.names)
        self.opt = torch.optim.AdamW([self.params[n] for n in self.names], lr=config.lr, weight_decay=0.01)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, _schedule(config))
        self.history = History()
        if (out / CHECKPOINT).is_file():
            state = torch.load(out / CHECKPOINT, weights_only=False)
            if state["config"] != asdict(config):
                raise ValueError(f"{out / CHECKPOINT} was made with other settings; use a new output folder")
            self.model.load_state_dict(state["weights"], strict=False)
            self.opt.load_state_dict(state["optimizer"])
            self.sched.load_state_dict(state["scheduler"])
            self.history = History(**state["history"])

    def optimise(self, loss: Any) -> None:
        import torch

        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([self.params[n] for n in self.names], 1.0)
        self.opt.step()
        self.sched.step()
        self.history.step += 1
        self.history.train.append((self.history.step, round(float(loss.detach()), 4)))

    def checkpoint(self) -> None:
        weights = {n: self.params[n].detach().clone() for n in self.names}
        state = {"config": asdict(self.config), "weights": weights, "optimizer": self.opt.state_dict()}
        state.update(scheduler=self.sched.state_dict(), history=asdict(self.history))
        _atomic_torch_save(state, self.out / CHECKPOINT)


def train(
    config: TrainConfig,
    encoded: Path,
    out: Path,
    whisper_folder: Path,
    progress: Progress = SILENT,
    max_seconds: float | None = None,
) -> dict[str, Any]:
    """Train (or resume) one strategy's model into `out`; returns the training manifest.

    `max_seconds`: stop after this much time in this call (the manifest says so); the checkpoint
    stays, so the same call without it goes on to the full step count."""
    import torch
    from tokenizers import Tokenizer

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(config, out, whisper_folder)
    history = run.history
    train_data, valid_data = load_encoded(encoded, "train"), load_encoded(encoded, "valid")
    batcher = Batcher(Tokenizer.from_file(str(whisper_folder / "tokenizer.json")), config)
    shortlist = Shortlist(run.model, batcher.vocabulary(train_data.texts))
    snapshot_steps = {max(1, round(f * config.steps)) for f in config.snapshots}
    label = f"train mini-{config.strategy}"
    progress.start(label, label, config.steps)
    for _ in range(history.step):
        progress.advance(label)
    started = time.monotonic() - history.seconds
    deadline = math.inf if max_seconds is None else time.monotonic() + max_seconds
    run.model.train()
    while history.step < config.steps and history.stale < config.patience and time.monotonic() < deadline:
        run.optimise(loss_of(run.model, batcher.tensors(step_items(train_data, config, history.step)), shortlist))
        progress.advance(label)
        if history.step % config.eval_every == 0 or history.step == config.steps:
            _evaluate(run.model, batcher, valid_data, config, history, run.names, out)
        if history.step in snapshot_steps:
            save_delta(delta_of(run.model, run.names), out / f"step-{history.step:05d}.safetensors")
        if history.step % config.checkpoint_every == 0 or history.step == config.steps:
            history.seconds = time.monotonic() - started
            run.checkpoint()
    history.seconds = time.monotonic() - started
    progress.finish(label, {"ok": history.step})
    return write_manifest(config, history, encoded, out, whisper_folder)


def _evaluate(model, batcher, valid_data, config, history, names, out: Path) -> None:
    model.eval()
    scores = validate(model, batcher, valid_data, 2 * config.batch)
    model.train()
    history.valid.append((history.step, {k: round(v, 4) for k, v in scores.items()}))
    if scores["mean"] < history.best_loss:
        history.best_loss, history.best_step, history.stale = scores["mean"], history.step, 0
        save_delta(delta_of(model, names), out / "best.safetensors")
    else:
        history.stale += 1


def write_manifest(config: TrainConfig, history: History, encoded: Path, out: Path, whisper: Path) -> dict[str, Any]:
    from vfr_bench.provenance import file_sha256, hardware, installed_version

    manifest = {
        "model": f"mini-{config.strategy}",
        "config": asdict(config),
        "steps_run": history.step,
        "stopped_early": history.step < config.steps,
        "stopped_by": (
            "steps" if history.step >= config.steps else "patience" if history.stale >= config.patience else "time"
        ),
        "best_step": history.best_step,
        "best_valid_loss": round(history.best_loss, 4),
        "train_loss": history.train[:: max(1, len(history.train) // 200)] + history.train[-1:],
        "valid_loss": history.valid,
        "data": encoded.name,  # speech revision, training utterances, validation utterances, seed
        "data_sha256": data_sha256(encoded),
        "base_model": {"name": "tiny.en", "weights_sha256": file_sha256(whisper / "model.bin")},
        # None until a validation kept weights: `install` then has nothing to install
        "weights_sha256": file_sha256(out / "best.safetensors") if (out / "best.safetensors").is_file() else None,
        "seconds": round(history.seconds, 1),
        "machine": hardware(),
        "libraries": {"torch": installed_version("torch"), "transformers": installed_version("transformers")},
    }
    text = json.dumps(manifest, indent=1)
    (out / "manifest.json").write_text(text + "\n")
    return json.loads(text)  # as read back: what a resumed run compares with
