"""Which device a run uses when the user says `auto`, and whether the one asked for exists."""

from __future__ import annotations


class DeviceError(RuntimeError):
    """The device asked for is not here, or the library that drives it is missing."""


def resolve_device(device: str) -> str:
    """`auto`: CUDA where CTranslate2 (the reference model's and ASR judge's engine) sees a GPU."""
    if device != "auto":
        return device
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:  # no CTranslate2 (a model's own environment): the CPU is always there
        return "cpu"


def resolve_torch_device(device: str) -> str:
    """For torch code (the latency lab): `auto` is CUDA where torch sees it; `cuda` must exist."""
    try:
        import torch
    except ImportError:
        raise DeviceError(
            "the latency lab needs PyTorch and transformers: pip install 'vfr-bench[latency]' "
            "(install torch first, the build for your CUDA)"
        ) from None
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceError("--device cuda: PyTorch sees no CUDA device here")
    return device
