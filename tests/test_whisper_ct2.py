"""Whisper's CTranslate2 files read into PyTorch: byte-exact format, the same numbers as CTranslate2,
and fine-tuned weights written back that CTranslate2 runs as PyTorch does."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("faster_whisper", reason="needs the builtin extra: pip install 'vfr-bench[builtin]'")
torch = pytest.importorskip("torch", reason="needs torch and transformers (the latency extra)")
pytest.importorskip("transformers", reason="needs torch and transformers (the latency extra)")

from vfr_bench.whisper_ct2.format import CT2FormatError, read_model_bin, write_model_bin  # noqa: E402
from vfr_bench.whisper_ct2.patch import apply_delta, patched_folder  # noqa: E402
from vfr_bench.whisper_ct2.torch_whisper import dims_of, hf_state_dict, load_transformers_whisper  # noqa: E402

PROMPT = [50257, 50362]


@pytest.fixture(scope="module")
def tiny_folder() -> Path:
    from vfr_bench.metrics.asr_judge import offline_ctranslate2_model

    folder = offline_ctranslate2_model("tiny.en")
    assert folder is not None
    return folder


@pytest.fixture(scope="module")
def hf_model(tiny_folder):
    torch.set_num_threads(1)
    return load_transformers_whisper(tiny_folder)


@pytest.fixture(scope="module")
def ct2_fp32(tiny_folder):
    from faster_whisper import WhisperModel

    return WhisperModel(str(tiny_folder), device="cpu", compute_type="float32", cpu_threads=1)


@pytest.fixture(scope="module")
def speech():
    from vfr_bench.data.builtin_speech import read_speech_en

    return [s.load_audio()[0].samples for s in read_speech_en().samples[:4]]


def test_model_bin_is_read_and_written_back_byte_for_byte(tiny_folder, tmp_path):
    model = read_model_bin(tiny_folder / "model.bin")
    assert model.spec == "WhisperSpec" and len(model.variables) == 148
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    dims = dims_of(model)
    assert (dims.d_model, dims.encoder_layers, dims.decoder_layers, dims.n_heads, dims.vocab) == (384, 4, 4, 6, 51864)
    write_model_bin(model, tmp_path / "model.bin")
    assert (tmp_path / "model.bin").read_bytes() == (tiny_folder / "model.bin").read_bytes()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[: len(b) // 2], "more bytes were expected"),
        (lambda b: struct.pack("<I", 99) + b[4:], "binary version 99"),
        (lambda b: b + b"\0", "bytes follow the alias table"),
    ],
)
def test_a_damaged_model_bin_is_refused_with_where(tiny_folder, tmp_path, damage, message):
    (tmp_path / "model.bin").write_bytes(damage((tiny_folder / "model.bin").read_bytes()))
    with pytest.raises(CT2FormatError, match=message):
        read_model_bin(tmp_path / "model.bin")


def test_every_weight_maps_and_the_load_is_strict(tiny_folder, hf_model):
    state = hf_state_dict(read_model_bin(tiny_folder / "model.bin"))
    ours = set(hf_model.state_dict())
    assert set(state) == ours  # nothing missing, nothing left over (proj_out is the tied embedding)
    k = hf_model.model.decoder.layers[0].encoder_attn.k_proj
    assert k.bias is None  # Whisper's k has no bias; CTranslate2 stores zeros there
    assert np.all(read_model_bin(tiny_folder / "model.bin").get("decoder/layer_0/attention/linear_1/bias")[:384] == 0)


def test_pytorch_whisper_computes_what_ctranslate2_computes(hf_model, ct2_fp32, speech):
    import ctranslate2

    for audio in speech:
        features = ct2_fp32.feature_extractor(audio)[:, :3000]
        padded = np.zeros((1, 80, 3000), np.float32)
        padded[0, :, : features.shape[1]] = features
        ct2_states = np.array(ct2_fp32.model.encode(ctranslate2.StorageView.from_array(padded), to_cpu=True))
        with torch.no_grad():
            ours = hf_model.model.encoder(torch.from_numpy(padded)).last_hidden_state.numpy()
        assert np.abs(ours - ct2_states).max() < 5e-3
        ct2_ids = ct2_fp32.model.generate(ctranslate2.StorageView.from_array(ct2_states), [PROMPT], beam_size=1)
        assert greedy(hf_model, torch.from_numpy(ours)) == ct2_ids[0].sequences_ids[0]


def greedy(model, states, limit: int = 60) -> list[int]:
    ids = list(PROMPT)
    with torch.no_grad():
        for _ in range(limit):
            logits = model(encoder_outputs=(states,), decoder_input_ids=torch.tensor([ids])).logits[0, -1]
            logits[model.generation_config.suppress_tokens] = -np.inf
            ids.append(int(logits.argmax()))
            if ids[-1] == 50256:
                break
    return ids[len(PROMPT) : -1]


def test_a_non_whisper_model_is_refused(tiny_folder, tmp_path):
    model = read_model_bin(tiny_folder / "model.bin")
    model.spec = "TransformerSpec"
    with pytest.raises(CT2FormatError, match="not a Whisper model"):
        dims_of(model)


def test_fine_tuned_cross_attention_is_written_back_exactly(tiny_folder, tmp_path):
    rng = np.random.default_rng(0)
    base = read_model_bin(tiny_folder / "model.bin")
    state = hf_state_dict(base)
    delta = {
        name: (np.asarray(value, np.float32) + rng.normal(0, 0.01, value.shape)).astype(np.float16)
        for name, value in state.items()
        if ".encoder_attn" in name
    }
    patched = apply_delta(base, delta)
    back = hf_state_dict(patched)
    for name, value in delta.items():
        assert np.array_equal(back[name], value), name
    untouched = [n for n in state if ".encoder_attn" not in n]
    assert all(np.array_equal(back[n], state[n]) for n in untouched)
    with pytest.raises(CT2FormatError, match="only decoder cross-attention"):
        apply_delta(base, {"model.decoder.layers.0.fc1.weight": state["model.decoder.layers.0.fc1.weight"]})
    with pytest.raises(CT2FormatError, match="does not fit"):
        apply_delta(base, {"model.decoder.layers.0.encoder_attn.q_proj.bias": np.zeros(3, np.float16)})
    folder = patched_folder(tiny_folder, delta, tmp_path / "patched")
    assert read_model_bin(folder / "model.bin").variables.keys() == base.variables.keys()
    assert (folder / "tokenizer.json").is_file()
