"""Whisper's decoder over merged frames: G group vectors, each weighted by its duration.

Attention over a group repeated d times equals attention over the group once with log(d) added to
its logit, so the decoder trained here on the compact G vectors (plus log-durations) computes
exactly what CTranslate2 computes at inference on the groups expanded back by their durations:
the fine-tuned weights run in CTranslate2 unchanged, at its speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vfr_bench.baselines.training_free import merging

PROMPT_EN = (50257, 50362)  # <|startoftranscript|> <|notimestamps|> (English-only Whisper)
END_EN = 50256


@dataclass
class Grouped:
    vectors: np.ndarray  # [G, d] mean of each group
    durations: np.ndarray  # [G] frames per group (25 Hz)


def group_frames(frames: np.ndarray, target_hz: float, strategy: str, span_cap: float | None) -> Grouped:
    """Merge 25 Hz frames to `target_hz` with a strategy (the adapters call the same function)."""
    bounds = boundaries(frames, target_hz, strategy, span_cap)
    return Grouped(merging.merge(frames.astype(np.float32), bounds), np.diff(bounds))


def boundaries(frames: np.ndarray, target_hz: float, strategy: str, span_cap: float | None) -> np.ndarray:
    from vfr_bench.baselines.mini.spans import capped_dynamic_boundaries

    base = 25.0
    if strategy == "uniform":
        return merging.uniform_boundaries(len(frames), base, target_hz)
    if strategy != "dynamic":
        raise ValueError(f"mini models merge 'dynamic' or 'uniform', not {strategy!r}")
    n_groups = merging.target_group_count(len(frames), base, target_hz)
    if span_cap is None:
        return merging.dynamic_boundaries(frames, n_groups)
    return capped_dynamic_boundaries(frames, n_groups, max(1, int(np.ceil(span_cap * base / target_hz))))


def cross_attention_bias(durations: Any, mask: Any) -> Any:
    """[B, G] durations and validity -> the additive [B, 1, 1, G] cross-attention logits."""
    import torch

    return torch.where(mask, torch.log(durations.clamp(min=1).float()), float("-inf"))[:, None, None, :]


def decoder_logits(model: Any, tokens: Any, groups: Any, durations: Any, mask: Any, output: Any = None) -> Any:
    """Next-token logits [B, T, V] of Whisper's decoder over duration-weighted groups.

    `output`: the rows of the (tied, frozen) output projection to score, default every token."""
    import torch

    decoder = model.model.decoder
    length = tokens.shape[1]
    hidden = decoder.embed_tokens(tokens) + decoder.embed_positions.weight[:length]
    causal = torch.full((length, length), float("-inf")).triu(1)[None, None]
    cross = cross_attention_bias(durations, mask).to(hidden.dtype)
    for layer in decoder.layers:
        hidden = layer(hidden, attention_mask=causal, encoder_hidden_states=groups, encoder_attention_mask=cross)
    hidden = decoder.layer_norm(hidden)
    return hidden @ (decoder.embed_tokens.weight if output is None else output).T


def trainable_names(model: Any) -> list[str]:
    """The weights the mini models fine-tune: every decoder layer's cross-attention and its layer norm."""
    return [name for name, _ in model.named_parameters() if ".encoder_attn" in name and "decoder.layers" in name]
