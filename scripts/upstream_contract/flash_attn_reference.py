"""flash-attn's `flash_attn_varlen_func` written in plain torch, for the upstream-contract checks on a
machine without CUDA (flash-attn has no CPU kernels and does not install without CUDA).

Same arguments and the same result up to rounding: queries, keys and values packed as (total, heads,
head_dim) with cumulative sequence lengths; each sequence attends only within itself; `causal` and
`window_size=(left, right)` (-1: unbounded) as flash-attn defines them. Slow and only for tiny models:
a check that installs it says so in its output, and the real kernel is what the check runs on a GPU.
"""

from __future__ import annotations

import importlib.machinery
import sys
import types
from typing import Any


def flash_attn_varlen_func(
    q: Any,
    k: Any,
    v: Any,
    cu_seqlens_q: Any,
    cu_seqlens_k: Any,
    max_seqlen_q: Any = None,
    max_seqlen_k: Any = None,
    dropout_p: float = 0.0,
    softmax_scale: float | None = None,
    causal: bool = False,
    window_size: tuple[int, int] | list[int] = (-1, -1),
    **_: Any,
) -> Any:
    import torch

    left, right = int(window_size[0]), int(window_size[1])
    scale = softmax_scale if softmax_scale is not None else q.shape[-1] ** -0.5
    out = torch.empty_like(q)
    starts_q, starts_k = cu_seqlens_q.tolist(), cu_seqlens_k.tolist()
    for i in range(len(starts_q) - 1):
        qs, qe, ks, ke = starts_q[i], starts_q[i + 1], starts_k[i], starts_k[i + 1]
        qi, ki, vi = (t.float().transpose(0, 1) for t in (q[qs:qe], k[ks:ke], v[ks:ke]))  # heads first
        scores = torch.matmul(qi, ki.transpose(-1, -2)) * scale
        rows = torch.arange(qe - qs).unsqueeze(1) + (ke - ks) - (qe - qs)  # flash-attn aligns to the end
        cols = torch.arange(ke - ks).unsqueeze(0)
        allowed = torch.ones(qe - qs, ke - ks, dtype=torch.bool)
        if causal:
            allowed &= cols <= rows
        if left >= 0:
            allowed &= cols >= rows - left
        if right >= 0 and not causal:
            allowed &= cols <= rows + right
        scores = scores.masked_fill(~allowed.to(scores.device), float("-inf"))
        weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)
        out[qs:qe] = torch.matmul(weights, vi).transpose(0, 1).to(q.dtype)
    return out


def install() -> None:
    """Make `from flash_attn import flash_attn_varlen_func` find this one (only where flash-attn is absent)."""
    # a spec, so that transformers' probe (find_spec, then the distribution's version) still finds no flash-attn
    module = types.ModuleType("flash_attn")
    module.__spec__ = importlib.machinery.ModuleSpec("flash_attn", None)
    module.flash_attn_varlen_func = flash_attn_varlen_func  # type: ignore[attr-defined]
    module.__version__ = "reference (torch, upstream_contract)"  # type: ignore[attr-defined]
    for name in ("flash_attn_func", "flash_attn_qkvpacked_func", "flash_attn_varlen_qkvpacked_func"):
        setattr(module, name, _not_written(name))  # imported by some upstream code, never called by the checks
    sys.modules["flash_attn"] = module


def _not_written(name: str):
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"flash_attn_reference has no {name}: only flash_attn_varlen_func is written")

    return refuse
