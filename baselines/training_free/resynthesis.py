"""The training-free models's output side: speech as 25 Hz mel tokens, merged, expanded and vocoded.

A token is 4 consecutive 100 fps log-mel frames (25 tokens per second, the same base as the input
side). Merging tokens to the requested output rate and expanding them back by duration, then
inverting the mel spectrogram with Griffin-Lim, gives speech whose quality falls with the rate.
"""

from __future__ import annotations

import zlib

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 1024
HOP = 160  # 100 mel frames per second
WIN = 640
N_MELS = 80
FRAMES_PER_TOKEN = 4  # 100 / 4 = 25 Hz tokens
TOKEN_HZ = SAMPLE_RATE / HOP / FRAMES_PER_TOKEN
LOG_FLOOR = 1e-5


def _librosa():
    try:
        import librosa
    except ImportError:
        from vfr_bench.baselines.training_free.whisper_model import INSTALL_HINT
        from vfr_bench.protocol import AdapterUnavailable

        raise AdapterUnavailable(f"librosa is not installed; {INSTALL_HINT}") from None
    return librosa


def mel_tokens(audio: np.ndarray) -> tuple[np.ndarray, int]:
    """Log-mel tokens [n_tokens, 4 x 80] and the number of mel frames they cover."""
    librosa = _librosa()
    mel = librosa.feature.melspectrogram(
        y=np.asarray(audio, dtype=np.float32),
        sr=SAMPLE_RATE,
        n_fft=N_FFT,
        hop_length=HOP,
        win_length=WIN,
        n_mels=N_MELS,
        power=1.0,
    )
    log_mel = np.log(np.maximum(mel, LOG_FLOOR)).T  # [frames, mels]
    n_frames = log_mel.shape[0]
    n_tokens = -(-n_frames // FRAMES_PER_TOKEN)
    pad = n_tokens * FRAMES_PER_TOKEN - n_frames
    if pad:
        log_mel = np.concatenate([log_mel, np.repeat(log_mel[-1:], pad, axis=0)])
    return log_mel.reshape(n_tokens, FRAMES_PER_TOKEN * N_MELS).astype(np.float32), n_frames


def similarity_view(tokens: np.ndarray) -> np.ndarray:
    """Log-mel is mostly negative, so raw cosine sees everything as alike; centre it first."""
    return tokens - tokens.mean(axis=0, keepdims=True)


def vocode(tokens: np.ndarray, n_frames: int, n_samples: int, n_iter: int = 32) -> np.ndarray:
    """Tokens back to 16 kHz audio: unpack to mel frames, invert the mel filterbank, Griffin-Lim.

    Griffin-Lim starts from random phases; they are seeded from the tokens, so the same tokens give
    the same speech in any order, process or worker (librosa's default draws from the global state)."""
    librosa = _librosa()
    log_mel = tokens.reshape(-1, N_MELS)[:n_frames].T
    magnitude = librosa.feature.inverse.mel_to_stft(np.exp(log_mel), sr=SAMPLE_RATE, n_fft=N_FFT, power=1.0)
    return librosa.griffinlim(
        magnitude,
        n_iter=n_iter,
        hop_length=HOP,
        win_length=WIN,
        n_fft=N_FFT,
        length=n_samples,
        random_state=zlib.crc32(np.ascontiguousarray(tokens).tobytes()),
    ).astype(np.float32)
