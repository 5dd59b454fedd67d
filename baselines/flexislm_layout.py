"""Which released layout of FlexiSLM's `generate_from_audio` is installed, read from its signature.

FlexiSLM's releases renamed the rate arguments (AmphionTeam/FlexiSLM, src/inference_flexislm.py and
its READMEs):

- first release (2026-08; `flexislm/`, then `src/`; Interleaved* classes): `framerate=` for the
  output, `input_framerate=` for the input (config fields `input_framerate`, `default_framerate`);
- FlexiSLM* class names (550741b, with `checkpoint`/`auto_download`): the same `framerate=` and
  `input_framerate=`, `generate_tts(sentence, framerate=)`;
- a later README: `output_framerate=` and `input_framerate=` (config fields
  `default_input_framerate`, `default_output_framerate`), and `generate_tts(sentence, output_framerate=)`;
  no stored version of the inference file found declares it (docs/borders.md, "What ran where").

The adapter never passes an argument the installed method does not take: it inspects the
signature, maps the request's rates onto the names it finds, and refuses a layout it does not know,
naming what it expected.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vfr_bench.protocol import AdapterUnavailable

OUTPUT_RATE_NAMES = ("output_framerate", "framerate")  # newest first
INPUT_RATE_NAMES = ("input_framerate",)
REQUIRED = ("audio_path", "text_query", "output_text_only")


@dataclass(frozen=True)
class CallLayout:
    """The names the installed generate_from_audio takes for what the adapter passes."""

    output_rate: str
    input_rate: str
    parameters: tuple[str, ...]

    def rate_arguments(self, input_value: float, output_hz: float) -> dict[str, float]:
        """The rate keywords for one call: an input rate (Hz, or a merge threshold) and an output Hz."""
        return {self.input_rate: float(input_value), self.output_rate: float(output_hz)}


def call_layout(generate_from_audio: Callable[..., Any]) -> CallLayout:
    """The layout of the installed method, or AdapterUnavailable naming what was expected."""
    try:
        signature = inspect.signature(generate_from_audio)
    except (TypeError, ValueError) as err:
        raise AdapterUnavailable(f"flexislm: cannot read generate_from_audio's signature ({err})") from None
    names = tuple(n for n, p in signature.parameters.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
    output = next((n for n in OUTPUT_RATE_NAMES if n in names), None)
    given = next((n for n in INPUT_RATE_NAMES if n in names), None)
    missing = [n for n in REQUIRED if n not in names]
    if output is None or given is None or missing:
        raise AdapterUnavailable(
            f"flexislm: unknown layout of generate_from_audio{signature}: expected {', '.join(REQUIRED)}, an "
            f"output rate ({' or '.join(OUTPUT_RATE_NAMES)}) and {' or '.join(INPUT_RATE_NAMES)}, as its releases "
            "so far take; update the adapter (baselines/flexislm_layout.py) for this release"
        )
    return CallLayout(output_rate=output, input_rate=given, parameters=names)
