"""mini-dynamic and mini-uniform: the packaged trained weights load, run in CTranslate2 exactly as
they were trained in PyTorch, and a missing or damaged weights file is said, never run untrained."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("faster_whisper", reason="needs the builtin extra: pip install 'vfr-bench[builtin]'")
pytest.importorskip("safetensors", reason="needs safetensors (with transformers: the latency extra)")

from vfr_bench.models import ModelRegistry  # noqa: E402
from vfr_bench.protocol import AdapterUnavailable, Request  # noqa: E402


@pytest.fixture(scope="module")
def sentence():
    from vfr_bench.data.builtin_speech import read_speech_en

    sample = read_speech_en().samples[5]
    return sample.load_audio()[0].samples


def _asr(audio: np.ndarray, hz: float) -> Request:
    return Request(kind="asr", sample_id="s", audio=audio, sample_rate=16000, input_hz=hz, language="en")


def test_both_models_are_registered_with_their_strategy():
    models = ModelRegistry()
    for strategy in ("dynamic", "uniform"):
        adapter = models.create(f"mini-{strategy}")
        assert adapter.config["strategy"] == strategy
        assert adapter.weights_path().is_file()
        assert adapter.weights_path().stat().st_size < 6_000_000
        assert adapter.weights_path().with_suffix(".json").is_file()  # its training manifest
    with pytest.raises(ValueError, match="fixes strategy=uniform"):
        models.create("mini-uniform", options={"strategy": "dynamic"})
    with pytest.raises(ValueError, match="span_cap"):
        models.create("mini-dynamic", options={"span_cap": 0.5})


@pytest.mark.parametrize("damage", ["missing", "garbage", "wrong-shape"])
def test_missing_or_damaged_weights_are_refused(tmp_path, damage):
    weights = tmp_path / "w.safetensors"
    if damage == "garbage":
        weights.write_bytes(b"not a safetensors file")
    elif damage == "wrong-shape":
        from safetensors.numpy import save_file

        save_file({"model.decoder.layers.0.encoder_attn.q_proj.weight": np.zeros((3, 3), np.float16)}, str(weights))
    adapter = ModelRegistry().create("mini-uniform", options={"weights": str(weights)})
    with pytest.raises(AdapterUnavailable, match=str(weights)):
        adapter.load()


@pytest.mark.parametrize("model", ["mini-dynamic", "mini-uniform"])
def test_packaged_weights_transcribe_at_the_requested_rate(model, sentence):
    adapter = ModelRegistry().create(model, options={"cpu_threads": 1})
    adapter.load()
    for hz in (12.5, 4.0):
        response = adapter.generate(_asr(sentence, hz))
        achieved = response.n_input_tokens / (len(sentence) / 16000)
        assert abs(achieved / hz - 1) < 0.1
        words = set(response.text.lower().replace(".", "").split())
        if hz > 10:  # "The library opens at nine on weekdays and at ten on Sundays."
            assert len({"library", "opens", "weekdays", "sundays", "nine", "9", "ten", "10"} & words) >= 5, words
    info = adapter.describe()
    assert len(info["weights_sha256"]) == 64 and info["training_data_sha256"]


def test_ctranslate2_runs_the_trained_decoder_as_pytorch_trained_it(sentence):
    """The fine-tuned weights written into model.bin, decoding groups expanded by their durations,
    give the tokens PyTorch gives on the compact groups with log-duration attention (float32)."""
    torch = pytest.importorskip("torch", reason="needs torch and transformers (the latency extra)")
    import ctranslate2
    from faster_whisper import WhisperModel
    from safetensors.numpy import load_file

    from vfr_bench.baselines.mini.adapter import packaged_weights, trained_folder
    from vfr_bench.baselines.mini.decoder import decoder_logits, group_frames
    from vfr_bench.baselines.mini.encoding import encode_compact
    from vfr_bench.baselines.training_free.whisper_model import WhisperCT2
    from vfr_bench.whisper_ct2.torch_whisper import load_transformers_whisper

    torch.set_num_threads(1)
    weights = packaged_weights("dynamic")
    folder = trained_folder(weights)
    model = load_transformers_whisper(folder)
    delta = load_file(str(weights))
    params = dict(model.named_parameters())
    assert all(torch.equal(params[k].detach(), torch.from_numpy(v.astype(np.float32))) for k, v in delta.items())
    (window,) = encode_compact(WhisperCT2("tiny.en", compute_type="float32", cpu_threads=1), sentence)
    g = group_frames(window.base.astype(np.float32), 6.25, "dynamic", 3.0)
    ct2 = WhisperModel(str(folder), device="cpu", compute_type="float32", cpu_threads=1)
    expanded = np.repeat(g.vectors, g.durations, axis=0)[None]
    want = ct2.model.generate(ctranslate2.StorageView.from_array(expanded), [[50257, 50362]], beam_size=1)
    ids = [50257, 50362]
    one = torch.ones(1, len(g.durations), dtype=torch.bool)
    with torch.no_grad():
        for _ in range(60):
            logits = decoder_logits(
                model, torch.tensor([ids]), torch.from_numpy(g.vectors)[None], torch.from_numpy(g.durations)[None], one
            )[0, -1]
            logits[model.generation_config.suppress_tokens] = -np.inf
            ids.append(int(logits.argmax()))
            if ids[-1] == 50256:
                break
    assert ids[2:-1] == want[0].sequences_ids[0]
