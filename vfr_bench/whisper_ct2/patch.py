"""Fine-tuned decoder weights (transformers names) written back into a CTranslate2 Whisper model.

The inverse of `torch_whisper.hf_state_dict` for what fine-tuning changes: a decoder layer's
cross-attention (q alone, k and v stacked with k's bias zero), its output projection and its layer
norm. The patched folder is a complete CTranslate2 model that faster-whisper loads as it is.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from vfr_bench.whisper_ct2.format import CT2FormatError, CT2Model, read_model_bin, write_model_bin

_CROSS = re.compile(r"model\.decoder\.layers\.(\d+)\.encoder_attn(_layer_norm)?\.(\w+)\.?(\w+)?$")


def apply_delta(ct2: CT2Model, delta: dict[str, np.ndarray]) -> CT2Model:
    """A copy of `ct2` with the decoder cross-attention weights of `delta` (transformers names)."""
    variables = dict(ct2.variables)

    def put(name: str, value: np.ndarray, rows: slice | None = None) -> None:
        if name not in variables:
            raise CT2FormatError(f"the model has no variable {name!r} to patch")
        target = np.array(variables[name], copy=True)
        part = target if rows is None else target[rows]
        if part.shape != value.shape:
            raise CT2FormatError(f"{name}: shape {value.shape} does not fit {part.shape}")
        part[...] = value.astype(target.dtype)
        variables[name] = target

    for key, value in delta.items():
        match = _CROSS.match(key)
        if not match:
            raise CT2FormatError(f"cannot write {key!r} into CTranslate2: only decoder cross-attention is mapped")
        layer, is_norm, module, param = match.groups()
        src = f"decoder/layer_{layer}/attention"
        if is_norm:  # encoder_attn_layer_norm.weight / .bias
            put(f"{src}/layer_norm/{'gamma' if module == 'weight' else 'beta'}", value)
            continue
        d = ct2.get(f"{src}/linear_0/weight").shape[0]
        if module == "q_proj":
            put(f"{src}/linear_0/{param}", value)
        elif module == "k_proj" and param == "weight":
            put(f"{src}/linear_1/weight", value, slice(0, d))
        elif module == "v_proj":
            put(f"{src}/linear_1/{param}", value, slice(d, 2 * d))
        elif module == "out_proj":
            put(f"{src}/linear_2/{param}", value)
        else:
            raise CT2FormatError(f"cannot write {key!r} into CTranslate2")
        bias = np.array(variables[f"{src}/linear_1/bias"], copy=True)
        bias[:d] = 0  # Whisper's k has no bias
        variables[f"{src}/linear_1/bias"] = bias
    return CT2Model(ct2.spec, ct2.revision, variables, dict(ct2.dtype_ids), dict(ct2.aliases), ct2.version)


def patched_folder(source: Path, delta: dict[str, np.ndarray], target: Path) -> Path:
    """`target`: a copy of the CTranslate2 folder `source` with `delta` written in (made once, atomically)."""
    if (target / "model.bin").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for extra in source.iterdir():
            if extra.is_file() and extra.name != "model.bin":
                shutil.copy(extra, work / extra.name)
        write_model_bin(apply_delta(read_model_bin(source / "model.bin"), delta), work / "model.bin")
        try:
            os.replace(work, target)
        except OSError:
            if not (target / "model.bin").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
