"""The training loop: resumable checkpoints, validation with early stopping, snapshots, the manifest."""

from __future__ import annotations

import hashlib
import json
import os
import platform
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


def train(
    config: TrainConfig, encoded: Path, out: Path, whisper_folder: Path, progress: Progress = SILENT
) -> dict[str, Any]:
    """Train (or resume) one strategy's model into `out`; returns the training manifest."""
    import torch
    from tokenizers import Tokenizer

    from vfr_bench.whisper_ct2.torch_whisper import load_transformers_whisper

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    out.mkdir(parents=True, exist_ok=True)
    model = load_transformers_whisper(whisper_folder)
    names = trainable_names(model)
    params = dict(model.named_parameters())
    for name, p in params.items():
        p.requires_grad_(name in names)
    opt = torch.optim.AdamW([params[n] for n in names], lr=config.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _schedule(config))
    history = History()
    if (out / CHECKPOINT).is_file():
        state = torch.load(out / CHECKPOINT, weights_only=False)
        if state["config"] != asdict(config):
            raise ValueError(f"{out / CHECKPOINT} was made with other settings; use a new output folder")
        model.load_state_dict(state["weights"], strict=False)
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        history = History(**state["history"])
    train_data, valid_data = load_encoded(encoded, "train"), load_encoded(encoded, "valid")
    batcher = Batcher(Tokenizer.from_file(str(whisper_folder / "tokenizer.json")), config)
    shortlist = Shortlist(model, batcher.vocabulary(train_data.texts))
    snapshot_steps = {max(1, round(f * config.steps)) for f in config.snapshots}
    label = f"train mini-{config.strategy}"
    progress.start(label, label, config.steps)
    for _ in range(history.step):
        progress.advance(label)
    started = time.monotonic() - history.seconds
    model.train()
    while history.step < config.steps and history.stale < config.patience:
        loss = loss_of(model, batcher.tensors(step_items(train_data, config, history.step)), shortlist)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([params[n] for n in names], 1.0)
        opt.step()
        sched.step()
        history.step += 1
        history.train.append((history.step, round(float(loss.detach()), 4)))
        progress.advance(label)
        if history.step % config.eval_every == 0 or history.step == config.steps:
            _evaluate(model, batcher, valid_data, config, history, names, out)
        if history.step in snapshot_steps:
            save_delta(delta_of(model, names), out / f"step-{history.step:05d}.safetensors")
        if history.step % config.checkpoint_every == 0 or history.step == config.steps:
            history.seconds = time.monotonic() - started
            weights = {n: params[n].detach().clone() for n in names}
            state = {"config": asdict(config), "weights": weights, "optimizer": opt.state_dict()}
            state.update(scheduler=sched.state_dict(), history=asdict(history))
            _atomic_torch_save(state, out / CHECKPOINT)
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
    from vfr_bench.provenance import file_sha256, installed_version

    manifest = {
        "model": f"mini-{config.strategy}",
        "config": asdict(config),
        "steps_run": history.step,
        "stopped_early": history.step < config.steps,
        "best_step": history.best_step,
        "best_valid_loss": round(history.best_loss, 4),
        "train_loss": history.train[:: max(1, len(history.train) // 200)] + history.train[-1:],
        "valid_loss": history.valid,
        "data_sha256": data_sha256(encoded),
        "base_model": {"name": "tiny.en", "weights_sha256": file_sha256(whisper / "model.bin")},
        "weights_sha256": file_sha256(out / "best.safetensors"),
        "seconds": round(history.seconds, 1),
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "libraries": {"torch": installed_version("torch"), "transformers": installed_version("transformers")},
    }
    text = json.dumps(manifest, indent=1)
    (out / "manifest.json").write_text(text + "\n")
    return json.loads(text)  # as read back: what a resumed run compares with
