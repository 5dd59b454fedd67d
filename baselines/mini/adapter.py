"""`mini-dynamic`, `mini-uniform`: Whisper tiny.en with its decoder's cross-attention trained for merged frames.

The encoder is Whisper's own (frozen), run on the audio plus 1 s rather than a padded 30 s window
(encoding.py); its 25 Hz frames are merged to the requested rate (dynamic: cuts at the
lowest-similarity transitions, no group longer than `span_cap` x the mean span; uniform: fixed
patches) and each group is expanded by its duration, for a decoder whose cross-attention was
fine-tuned on exactly that input at random rates between 4 and 12.5 Hz (`vfr-bench
train-mini`). The fine-tuned weights (a few MB of package data, with their training manifest)
are written into a copy of the CTranslate2 model on first use, so decoding runs in CTranslate2 as
the training-free models do.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from vfr_bench.baselines.training_free.adapter import BASE_HZ, MergeWindow, TrainingFreeAdapter
from vfr_bench.models import register_model
from vfr_bench.protocol import Adapter, AdapterUnavailable


def packaged_weights(strategy: str) -> Path:
    return Path(str(files("vfr_bench.baselines.mini").joinpath("weights", f"mini-{strategy}.safetensors")))


@register_model(
    "mini-dynamic",
    summary="Whisper tiny.en, decoder trained on similarity-merged frames at 4-12.5 Hz (embedded, CPU)",
    preset={"strategy": "dynamic"},
)
@register_model(
    "mini-uniform",
    summary="Whisper tiny.en, decoder trained on fixed patches at 4-12.5 Hz (embedded, CPU)",
    preset={"strategy": "uniform"},
)
class MiniAdapter(TrainingFreeAdapter):
    name = "mini"
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "strategy": (str, "dynamic", "dynamic | uniform (the merging the weights were trained with)"),
        "weights": (str, None, "fine-tuned cross-attention (.safetensors); default: the packaged ones"),
        "span_cap": (float, 3.0, "dynamic: no group longer than this many times the mean span at the rate"),
        "compute_type": (str, None, "CTranslate2 compute type (default int8 on CPU, float16 on CUDA)"),
        "beam_size": (int, 1, "decoder beam size (1 = greedy)"),
        "tokens_per_second": (float, 8.0, "decoding cap: text tokens per second of audio (+8)"),
        "griffin_lim_iters": (int, 32, "Griffin-Lim iterations for resynthesis"),
        "cpu_threads": (int, 0, "CTranslate2 CPU threads (0 = its default)"),
    }

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        Adapter.__init__(self, device=device, **options)
        if self.config["strategy"] not in ("dynamic", "uniform"):
            raise ValueError(f"mini: strategy {self.config['strategy']!r} is not dynamic or uniform")
        if self.config["span_cap"] is not None and self.config["span_cap"] < 1:
            raise ValueError("mini: span_cap must be at least 1 (one mean span)")
        self.whisper: Any = None
        self.training: dict[str, Any] = {}

    def check_available(self) -> None:
        super().check_available()
        try:
            import safetensors  # noqa: F401
        except ImportError as err:
            raise AdapterUnavailable(
                f"model {self.name!r} reads its trained weights with safetensors ({err}); "
                "pip install 'vfr-bench[builtin]'"
            ) from None

    def rate_control_for(self):
        return self.rate_control

    def weights_path(self) -> Path:
        return Path(self.config["weights"]) if self.config["weights"] else packaged_weights(self.config["strategy"])

    def load(self) -> None:
        from vfr_bench.baselines.training_free.whisper_model import WhisperCT2

        folder = trained_folder(self.weights_path())
        manifest = self.weights_path().with_suffix(".json")
        self.training = json.loads(manifest.read_text()) if manifest.is_file() else {}
        compute_type = self.config["compute_type"] or ("float16" if self.device.startswith("cuda") else "int8")
        self.whisper = WhisperCT2(
            str(folder),
            device="cuda" if self.device.startswith("cuda") else "cpu",
            compute_type=compute_type,
            cpu_threads=self.config["cpu_threads"],
        )

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info["checkpoint"] = str(self.weights_path())  # what labels this run's model (gate, report)
        info["trained_weights"] = str(self.weights_path())
        for key in ("data_sha256", "steps_run", "best_step", "weights_sha256"):
            if key in self.training:
                info[f"training_{key}"] = self.training[key]
        if "config" in self.training:
            info["training_seed"] = self.training["config"]["seed"]
        return info

    def group(
        self, frames: np.ndarray, target_hz: float | None, similarity_frames: np.ndarray | None = None
    ) -> np.ndarray:
        from vfr_bench.baselines.mini.decoder import boundaries

        view = frames if similarity_frames is None else similarity_frames
        hz = BASE_HZ if target_hz is None else target_hz
        return boundaries(view, hz, self.config["strategy"], self.config["span_cap"])

    def windows(self, audio: np.ndarray) -> list[MergeWindow]:
        """The audio's windows encoded compactly (audio plus 1 s, encoding.py), as in training; the
        decoder reads the merged frames as they are, each group repeated over its duration."""
        from vfr_bench.baselines.mini.encoding import encode_compact

        return [MergeWindow(w.base, w.seconds) for w in encode_compact(self.whisper, audio)]


def trained_folder(weights: Path) -> Path:
    """The CTranslate2 tiny.en folder with `weights` written in, made once into the cache."""
    from vfr_bench.baselines.training_free.whisper_model import resolve_model
    from vfr_bench.data.builtin_speech import cache_root
    from vfr_bench.provenance import file_sha256
    from vfr_bench.whisper_ct2.format import CT2FormatError
    from vfr_bench.whisper_ct2.patch import patched_folder

    if not weights.is_file():
        raise AdapterUnavailable(f"trained weights {weights} are missing; make them with: vfr-bench train-mini")
    try:
        from safetensors.numpy import load_file
    except ImportError as err:
        raise AdapterUnavailable(f"reading {weights} needs safetensors ({err}): pip install safetensors") from None
    source, _ = resolve_model("tiny.en")
    target = cache_root() / "mini-ct2" / file_sha256(weights)[:16]
    try:
        delta = load_file(str(weights))
    except Exception as err:  # safetensors' own error type for a damaged file
        raise AdapterUnavailable(f"trained weights {weights} cannot be read ({err})") from None
    try:
        return patched_folder(Path(source), delta, target)
    except (CT2FormatError, OSError) as err:
        raise AdapterUnavailable(f"cannot write {weights} into Whisper tiny.en: {err}") from None
