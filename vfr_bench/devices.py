"""Which device a run uses when the user says `auto`, and whether the one asked for exists."""

from __future__ import annotations


class DeviceError(RuntimeError):
    """The device asked for is not here, or the library that drives it is missing."""


def resolve_device(device: str) -> str:
    """`auto`: CUDA where CTranslate2 (the training-free models' and ASR judge's engine) sees a GPU."""
    if device != "auto":
        return device
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:  # no CTranslate2 (a model's own environment): the CPU is always there
        return "cpu"


def check_cuda() -> None:
    """`--device cuda`: raise DeviceError, saying so, where no GPU library installed here sees a CUDA
    device. CTranslate2 (the training-free models, the ASR judge) and PyTorch (the other models) are
    asked, the cheaper first; with neither installed nothing here can tell, and the models will."""
    seen = []
    try:
        import ctranslate2

        if ctranslate2.get_cuda_device_count() > 0:
            return
        seen.append("CTranslate2")
    except Exception:  # not installed, or a build that cannot even ask
        pass
    try:
        import torch
    except ImportError:
        pass
    else:
        if torch.cuda.is_available():
            return
        seen.append(_torch_words(torch))
    if seen:
        verb = "sees" if len(seen) == 1 else "see"
        raise DeviceError(f"CUDA is not available here: {' and '.join(seen)} {verb} no CUDA device; use --device cpu")


def _torch_words(torch) -> str:
    build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
    return f"PyTorch {torch.__version__} ({build})"


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
        raise DeviceError(f"CUDA is not available here: {_torch_words(torch)} sees no CUDA device; use --device cpu")
    return device
