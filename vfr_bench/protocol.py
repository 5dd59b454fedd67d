"""The adapter protocol: where models and tasks meet (Request in, Response out).

Tasks never see a model's internals and models never see a task's: a task turns a sample into a
`Request`, an adapter answers it with a `Response`, and the runner does the timing and the rate
accounting from what the response reports.
"""

from __future__ import annotations

import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from vfr_bench.rates import RateSpec
from vfr_bench.token_alphabet import TokenAlphabet

# What a request asks for: speech-to-text (ASR and spoken QA answered in text), speech-to-speech,
# text-to-speech, resynthesis (speech in, the same speech out at the requested output rate), and a
# question asked in text, answered in text (t2t) or in speech (t2s): with s2t and s2s, the four
# modality pairs (docs/analyses.md).
RequestKind = Literal["asr", "s2t", "s2s", "tts", "resynth", "t2t", "t2s"]
REQUEST_KINDS: tuple[str, ...] = ("asr", "s2t", "s2s", "tts", "resynth", "t2t", "t2s")
SPEECH_OUTPUT_KINDS = frozenset({"s2s", "tts", "resynth", "t2s"})
TEXT_INPUT_KINDS = frozenset({"tts", "t2t", "t2s"})
MODALITY_PAIRS: dict[str, str] = {"t2t": "T->T", "s2t": "S->T", "t2s": "T->S", "s2s": "S->S"}


class AdapterUnavailable(RuntimeError):
    """A model cannot be used on this machine; the message says what to install or set."""


@dataclass(frozen=True)
class RateControl:
    """How a model's frame rate can be steered.

    kind:
      fixed         runs at `native_input_hz` / `native_output_hz` only
      controllable  any rate in [min_hz, max_hz] on each side (FlexiSLM, the training-free models)
      patching      fixed: `patch_size` frames of `base_hz` per position (MiMo-Audio: 4 x 25 Hz)
      threshold     merges by a similarity threshold; the rate is an outcome, not a request
    """

    kind: Literal["fixed", "controllable", "patching", "threshold"]
    native_input_hz: float | None
    native_output_hz: float | None = None
    min_hz: float | None = None
    max_hz: float | None = None
    base_hz: float | None = None
    patch_size: int | None = None

    def refusal(self, spec: RateSpec) -> str | None:
        """Why this model cannot run `spec` (recorded as `skipped`), or None when it can."""
        if spec.is_native:
            return None
        if self.kind == "threshold":
            return (
                f"rate {spec.label} Hz: this model merges by a similarity threshold and takes no rate "
                "request; run it with --rates native and set the threshold with --model-arg threshold=T"
            )
        if self.kind == "controllable":
            assert self.min_hz is not None and self.max_hz is not None, "a controllable rate has a range"
            for side, hz in (("input", spec.input_hz), ("output", spec.output_hz)):
                if hz is not None and not (self.min_hz <= hz <= self.max_hz):
                    return (
                        f"requested {side} rate {hz:g} Hz is outside this model's range "
                        f"[{self.min_hz:g}, {self.max_hz:g}] Hz"
                    )
            return None
        # fixed and patching: only their own rate
        for side, hz, native in (
            ("input", spec.input_hz, self.native_input_hz),
            ("output", spec.output_hz, self.native_output_hz),
        ):
            if hz is None or native is None:
                continue
            if abs(hz - native) > 1e-9:
                return (
                    f"requested {side} rate {hz:g} Hz: this model runs at a fixed {native:g} Hz "
                    f"({self.kind}); not run at another rate"
                )
        return None

    def resolve(self, spec: RateSpec) -> tuple[float | None, float | None]:
        """The (input, output) Hz actually requested from the model for `spec` (native filled in)."""
        if spec.is_native:
            return self.native_input_hz, self.native_output_hz
        return spec.input_hz, spec.output_hz

    def describe(self) -> str:
        if self.kind == "controllable":
            return f"controllable {self.min_hz:g}-{self.max_hz:g} Hz"
        if self.kind == "patching":
            return f"patching {self.patch_size} x {self.base_hz:g} Hz = {self.native_input_hz:g} Hz"
        if self.kind == "threshold":
            return "threshold (rate is an outcome)"
        out = f", out {self.native_output_hz:g} Hz" if self.native_output_hz else ""
        return f"fixed {self.native_input_hz:g} Hz{out}"


@dataclass
class Request:
    """One thing asked of a model. Audio is mono float32 at `sample_rate` (16 kHz), loaded once."""

    kind: RequestKind
    sample_id: str
    audio: np.ndarray | None = None
    sample_rate: int = 16000
    text: str | None = None  # text prompt (spoken QA instruction) or text to speak (tts)
    language: str = "en"
    input_hz: float | None = None  # None: the model's native rate
    output_hz: float | None = None


@dataclass
class Response:
    """What a model returns, with what it can tell about its own token counts and timings.

    Times are seconds measured by the adapter from the start of its `generate` call; leave None
    what the model cannot tell. The runner measures `t_total` itself.
    """

    text: str | None = None
    audio: np.ndarray | None = None
    audio_sample_rate: int | None = None
    n_input_tokens: int | None = None  # speech positions the LM received (padding excluded)
    n_output_tokens: int | None = None  # speech tokens generated autoregressively
    n_output_codec_tokens: int | None = None  # codec codes, where one step emits several
    n_text_tokens: int | None = None
    output_seconds: float | None = None  # defaults to the length of `audio`
    t_first_token: float | None = None
    t_first_audio: float | None = None
    t_ar: float | None = None
    streaming: bool = False
    # (start, end) seconds of input audio each input unit covers, in order (vfr_bench.unit_spans);
    # None where the model cannot tell, never a guess
    input_unit_spans: list[tuple[float, float]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Adapter(ABC):
    """Base class of model adapters. Subclasses set the class attributes and implement `generate`.

    Heavy imports (torch, model code) belong in `load()`, never at module import time, so that
    `vfr-bench --help` and `vfr-bench list` stay instant.
    """

    name: str = ""  # the registered name; the registry sets it on each instance
    capabilities: ClassVar[frozenset[str]] = frozenset()
    rate_control: ClassVar[RateControl]
    # Options a user may set with --model-arg KEY=VALUE: name -> (type, default, help).
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {}
    # What `vfr-bench env create` installs for it: vfr-bench extras, then pinned requirements.
    extras: ClassVar[tuple[str, ...]] = ()
    requirements: ClassVar[tuple[str, ...]] = ()
    # What one input unit / one output speech step can be (vfr_bench.token_alphabet): codebooks and
    # duration classes, or continuous; None where undeclared (its bits are "not applicable")
    input_alphabet: ClassVar[TokenAlphabet | None] = None
    output_alphabet: ClassVar[TokenAlphabet | None] = None

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise ValueError(f"model {self.name!r} has no option {', '.join(unknown)} (its options: {known})")
        self.device = device
        self.config: dict[str, Any] = {}
        for key, (kind, default, _help) in self.options.items():
            value = options.get(key, default)
            if value is not None and not isinstance(value, kind):
                value = _coerce(key, value, kind)
            self.config[key] = value

    def check_available(self) -> None:
        """Raise AdapterUnavailable (saying what to install or set) when the model cannot run here;
        called before any work, so a run fails at once rather than after loading its data."""

    def load(self) -> None:
        """Load weights; called once before the first request."""

    @abstractmethod
    def generate(self, request: Request) -> Response:
        """Answer one request."""

    def describe(self) -> dict[str, Any]:
        """Provenance for the run manifest: checkpoint, revision or hash, decoding settings."""
        return {"options": dict(self.config)}

    def rate_control_for(self) -> RateControl:
        """The rate control in force (an adapter may refine the class default from its options)."""
        return self.rate_control

    def token_alphabets(self) -> tuple[TokenAlphabet | None, TokenAlphabet | None]:
        """(input, output) alphabets in force; an adapter may refine its class's from its options."""
        return self.input_alphabet, self.output_alphabet

    def synchronize(self) -> None:
        """Wait for queued device work, so that clock reads around generate are honest.

        Only torch queues work asynchronously among the libraries used here; an adapter that never
        imported torch has nothing queued, so torch is not imported for it.
        """
        torch = sys.modules.get("torch")
        if self.device.startswith("cuda") and torch is not None and torch.cuda.is_initialized():
            torch.cuda.synchronize()

    def close(self) -> None:
        """Free memory; called when the runner is done with the model."""


TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _coerce(key: str, value: Any, kind: type) -> Any:
    """A command-line or config value as the option's type. A boolean takes only true/false/1/0/yes/no
    (any case): bool("none") is True, and a misspelt "no" must never switch remote code on."""
    if kind is bool:
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ValueError(f"option {key}={value!r}: expected a boolean, one of {', '.join(TRUE + FALSE)}")
    if isinstance(value, bool):  # True is an int to Python, not a number to a user
        raise ValueError(f"option {key}={value!r}: expected {kind.__name__}")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"option {key}={value!r}: expected {kind.__name__}") from None


def monotonic() -> float:
    """The clock every timing in vfr-bench reads."""
    return time.perf_counter()
