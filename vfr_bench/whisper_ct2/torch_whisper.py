"""A CTranslate2 Whisper folder (model.bin, config.json, tokenizer.json) as transformers' Whisper.

CTranslate2 keeps Whisper's weights under its own names: `self_attention/linear_0` stacks q, k, v
(Whisper's k has no bias: CTranslate2 stores zeros there), the decoder's `attention/linear_0` is the
cross-attention q and `attention/linear_1` stacks its k and v, `linear_2` / `linear_1` are the output
projections, layer norms are `gamma`/`beta`, and the output projection is tied to the token
embedding. `load_state` maps them one to one onto `WhisperForConditionalGeneration` and loads
strictly: a missing or unexpected weight is an error, never a random initialisation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.whisper_ct2.format import CT2FormatError, CT2Model, read_model_bin

ENGLISH_ONLY_VOCAB = 51864


@dataclass(frozen=True)
class WhisperDims:
    n_mels: int
    d_model: int
    n_heads: int
    encoder_layers: int
    decoder_layers: int
    ffn: int
    vocab: int
    source_positions: int
    target_positions: int

    @property
    def multilingual(self) -> bool:
        return self.vocab > ENGLISH_ONLY_VOCAB


def dims_of(ct2: CT2Model) -> WhisperDims:
    if ct2.spec != "WhisperSpec":
        raise CT2FormatError(f"a {ct2.spec} model, not a Whisper model (WhisperSpec)")

    def layers(side: str) -> int:
        return len({k.split("/")[1] for k in ct2.variables if re.match(rf"{side}/layer_\d+/", k)})

    vocab, d_model = ct2.get("decoder/embeddings/weight").shape
    return WhisperDims(
        n_mels=int(ct2.get("encoder/conv1/weight").shape[1]),
        d_model=int(d_model),
        n_heads=int(ct2.get("decoder/num_heads")),
        encoder_layers=layers("encoder"),
        decoder_layers=layers("decoder"),
        ffn=int(ct2.get("decoder/layer_0/ffn/linear_0/weight").shape[0]),
        vocab=int(vocab),
        source_positions=int(ct2.get("encoder/position_encodings/encodings").shape[0]),
        target_positions=int(ct2.get("decoder/position_encodings/encodings").shape[0]),
    )


def _attention(get: Any, src: str, dst: str, fused_qkv: bool) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if fused_qkv:
        w, b = get(f"{src}/linear_0/weight"), get(f"{src}/linear_0/bias")
        d = w.shape[0] // 3
        parts = {"q": (w[:d], b[:d]), "k": (w[d : 2 * d], None), "v": (w[2 * d :], b[2 * d :])}
        out_name = "linear_1"
    else:  # cross-attention: q alone, then k and v stacked
        q_w, kv_w, kv_b = get(f"{src}/linear_0/weight"), get(f"{src}/linear_1/weight"), get(f"{src}/linear_1/bias")
        d = q_w.shape[0]
        parts = {"q": (q_w, get(f"{src}/linear_0/bias")), "k": (kv_w[:d], None), "v": (kv_w[d:], kv_b[d:])}
        out_name = "linear_2"
    for key, (w, b) in parts.items():
        out[f"{dst}.{key}_proj.weight"] = w
        if b is not None:
            out[f"{dst}.{key}_proj.bias"] = b
    out[f"{dst}.out_proj.weight"] = get(f"{src}/{out_name}/weight")
    out[f"{dst}.out_proj.bias"] = get(f"{src}/{out_name}/bias")
    return out


def _norm(get: Any, src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": get(f"{src}/gamma"), f"{dst}.bias": get(f"{src}/beta")}


def _ffn(get: Any, src: str, dst: str) -> dict[str, np.ndarray]:
    return {
        **_norm(get, f"{src}/layer_norm", f"{dst}.final_layer_norm"),
        f"{dst}.fc1.weight": get(f"{src}/linear_0/weight"),
        f"{dst}.fc1.bias": get(f"{src}/linear_0/bias"),
        f"{dst}.fc2.weight": get(f"{src}/linear_1/weight"),
        f"{dst}.fc2.bias": get(f"{src}/linear_1/bias"),
    }


def hf_state_dict(ct2: CT2Model) -> dict[str, np.ndarray]:
    """transformers' WhisperForConditionalGeneration state dict (names -> arrays) of a CT2 model."""
    dims, get = dims_of(ct2), ct2.get
    sd: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        sd[f"model.encoder.{conv}.weight"] = get(f"encoder/{conv}/weight")
        sd[f"model.encoder.{conv}.bias"] = get(f"encoder/{conv}/bias")
    sd["model.encoder.embed_positions.weight"] = get("encoder/position_encodings/encodings")
    for i in range(dims.encoder_layers):
        src, dst = f"encoder/layer_{i}", f"model.encoder.layers.{i}"
        sd.update(_attention(get, f"{src}/self_attention", f"{dst}.self_attn", fused_qkv=True))
        sd.update(_norm(get, f"{src}/self_attention/layer_norm", f"{dst}.self_attn_layer_norm"))
        sd.update(_ffn(get, f"{src}/ffn", dst))
    sd.update(_norm(get, "encoder/layer_norm", "model.encoder.layer_norm"))
    sd["model.decoder.embed_tokens.weight"] = get("decoder/embeddings/weight")
    sd["model.decoder.embed_positions.weight"] = get("decoder/position_encodings/encodings")
    for i in range(dims.decoder_layers):
        src, dst = f"decoder/layer_{i}", f"model.decoder.layers.{i}"
        sd.update(_attention(get, f"{src}/self_attention", f"{dst}.self_attn", fused_qkv=True))
        sd.update(_norm(get, f"{src}/self_attention/layer_norm", f"{dst}.self_attn_layer_norm"))
        sd.update(_attention(get, f"{src}/attention", f"{dst}.encoder_attn", fused_qkv=False))
        sd.update(_norm(get, f"{src}/attention/layer_norm", f"{dst}.encoder_attn_layer_norm"))
        sd.update(_ffn(get, f"{src}/ffn", dst))
    sd.update(_norm(get, "decoder/layer_norm", "model.decoder.layer_norm"))
    sd["proj_out.weight"] = get("decoder/embeddings/weight")
    return sd


def token_ids(dims: WhisperDims) -> dict[str, int]:
    """Whisper's special tokens: the English-only vocabulary sits one below the multilingual one."""
    shift = 1 if dims.multilingual else 0
    return {
        "eos": 50256 + shift,
        "start": 50257 + shift,
        "translate": 50357 + shift,
        "transcribe": 50358 + shift,
        "no_timestamps": 50362 + shift,
    }


def hf_config(dims: WhisperDims) -> Any:
    from transformers import WhisperConfig

    ids = token_ids(dims)
    return WhisperConfig(
        vocab_size=dims.vocab,
        num_mel_bins=dims.n_mels,
        d_model=dims.d_model,
        encoder_layers=dims.encoder_layers,
        decoder_layers=dims.decoder_layers,
        encoder_attention_heads=dims.n_heads,
        decoder_attention_heads=dims.n_heads,
        encoder_ffn_dim=dims.ffn,
        decoder_ffn_dim=dims.ffn,
        max_source_positions=dims.source_positions,
        max_target_positions=dims.target_positions,
        decoder_start_token_id=ids["start"],
        eos_token_id=ids["eos"],
        pad_token_id=ids["eos"],
        bos_token_id=ids["eos"],
        tie_word_embeddings=True,
    )


def generation_config(dims: WhisperDims, folder: Path) -> Any:
    """Whisper's generation settings from the CT2 folder's config.json (suppressed tokens, languages)."""
    from transformers import GenerationConfig

    ids = token_ids(dims)
    meta = json.loads((folder / "config.json").read_text()) if (folder / "config.json").is_file() else {}
    tokenizer = json.loads((folder / "tokenizer.json").read_text())
    added = {t["content"]: t["id"] for t in tokenizer.get("added_tokens", [])}
    lang_ids = set(meta.get("lang_ids", []))
    lang_to_id = {name: i for name, i in added.items() if i in lang_ids}
    languages: dict[str, Any] = {}
    if dims.multilingual:
        languages["lang_to_id"] = lang_to_id
        languages["task_to_id"] = {"translate": ids["translate"], "transcribe": ids["transcribe"]}
    return GenerationConfig(
        decoder_start_token_id=ids["start"],
        eos_token_id=ids["eos"],
        pad_token_id=ids["eos"],
        bos_token_id=ids["eos"],
        max_length=dims.target_positions,
        no_timestamps_token_id=ids["no_timestamps"],
        suppress_tokens=list(meta.get("suppress_ids", [])),
        begin_suppress_tokens=list(meta.get("suppress_ids_begin", [220, ids["eos"]])),
        is_multilingual=dims.multilingual,
        alignment_heads=meta.get("alignment_heads"),
        **languages,
    )


def load_transformers_whisper(folder: str | Path, dtype: Any = None) -> Any:
    """WhisperForConditionalGeneration with the folder's weights (float32 unless `dtype`), in eval mode."""
    import torch
    from transformers import WhisperForConditionalGeneration

    folder = Path(folder)
    ct2 = read_model_bin(folder / "model.bin")
    dims = dims_of(ct2)
    model: Any = WhisperForConditionalGeneration(hf_config(dims))
    state = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in hf_state_dict(ct2).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    # transformers ties proj_out to the token embedding; nothing else may be left out
    missing = [k for k in missing if k != "proj_out.weight"]
    if missing or unexpected:
        raise CT2FormatError(f"{folder}: weights missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.generation_config = generation_config(dims, folder)
    model = model.to(dtype or torch.float32)
    model.eval()
    return model
