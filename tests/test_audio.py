import numpy as np
import pytest
import soundfile as sf

from tests.helpers import tone
from vfr_bench.audio import AudioError, load_audio


def test_corrupt_file_names_the_file(tmp_path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(AudioError, match="cannot decode audio file .*corrupt.wav"):
        load_audio(path)


def test_zero_byte_file_is_refused(tmp_path):
    path = tmp_path / "zero.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError, match="zero.wav"):
        load_audio(path)


def test_empty_audio_is_refused(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="empty"):
        load_audio(path)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="not found: .*nowhere.wav"):
        load_audio(tmp_path / "nowhere.wav")


def test_nan_samples_are_refused(tmp_path):
    path = tmp_path / "nan.wav"
    data = tone(0.5)
    data[100:103] = np.nan
    sf.write(path, data, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="3 NaN or infinite"):
        load_audio(path)


def test_silent_audio_loads_and_is_flagged(tmp_path):
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros(16000, dtype=np.float32), 16000)
    audio = load_audio(path)
    assert audio.is_silent and audio.seconds == 1.0


def test_stereo_is_mixed_to_mono_by_averaging(tmp_path):
    path = tmp_path / "stereo.wav"
    left, right = tone(1.0, freq=300), np.zeros(16000, dtype=np.float32)
    sf.write(path, np.stack([left, right], axis=1), 16000, subtype="FLOAT")
    audio = load_audio(path)
    assert audio.original_channels == 2 and audio.samples.ndim == 1
    np.testing.assert_allclose(audio.samples, left / 2, atol=1e-6)


@pytest.mark.parametrize("sr", [8000, 48000, 22050])
def test_other_sample_rates_are_resampled_to_16k_keeping_duration_and_pitch(tmp_path, sr):
    path = tmp_path / f"tone{sr}.wav"
    sf.write(path, tone(2.0, sr=sr, freq=440.0), sr, subtype="FLOAT")
    audio = load_audio(path)
    assert audio.sample_rate == 16000 and audio.original_sample_rate == sr
    assert abs(audio.seconds - 2.0) < 1e-3
    spectrum = np.abs(np.fft.rfft(audio.samples))
    assert abs(np.argmax(spectrum) * 16000 / len(audio.samples) - 440.0) < 1.0
