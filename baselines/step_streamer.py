"""Timestamps for each generated step, read through a model's streamer hook.

transformers' `generate` (and the model code that copies its loop) calls `streamer.put(tokens)`
once with the prompt and then once per generated step, after moving the tokens to the CPU; that
copy waits for the device, so the times are honest without an extra synchronisation.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any


class StepStreamer:
    """put/end, as transformers' BaseStreamer: counts steps by kind and keeps when each kind began.

    `classify(tokens)` names a step (e.g. "text" or "speech"); times are seconds since `start`.
    """

    def __init__(self, classify: Callable[[Any], str] | None = None, start: float | None = None) -> None:
        self.classify = classify or (lambda tokens: "step")
        self.start = time.perf_counter() if start is None else start
        self.prompt_seen = False
        self.counts: Counter[str] = Counter()
        self.first: dict[str, float] = {}
        self.first_step: float | None = None
        self.last_step: float | None = None

    def put(self, tokens: Any) -> None:
        now = time.perf_counter() - self.start
        if not self.prompt_seen:  # generate() hands over the prompt first
            self.prompt_seen = True
            return
        kind = self.classify(tokens)
        self.counts[kind] += 1
        self.first.setdefault(kind, now)
        if self.first_step is None:
            self.first_step = now
        self.last_step = now

    def end(self) -> None:
        pass

    @property
    def t_ar(self) -> float | None:
        """Seconds from the first generated step to the last: the autoregressive loop after prefill."""
        if self.first_step is None or self.last_step is None:
            return None
        return self.last_step - self.first_step
