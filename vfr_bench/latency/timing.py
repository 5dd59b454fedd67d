"""The timed part of the latency lab: prefill, then a fixed number of autoregressive steps.

Per request: the thinker prefills the text prompt plus round(input Hz x input seconds) speech
positions; then each of round(output Hz x output seconds) LLM steps runs one thinker step (plus
interleaved text steps where the architecture has them) and the steps of every stage that hangs
off the thinker (talker, patch decoder, speech head), each stage conditioned on the thinker's
hidden state through a projection. There is no end token: the number of steps is fixed, which is
what makes random weights time like trained ones.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from vfr_bench.latency.architectures import Architecture, Stage


@dataclass
class StepPlan:
    """How many positions and steps one request takes at a rate (rounding: Python's round, at least 1)."""

    input_speech_positions: int  # round(input Hz x input seconds)
    prompt_tokens: int
    speech_steps: int  # round(output Hz x output seconds): steps that emit a speech token
    text_steps: int  # thinker text steps interleaved with speech steps
    leading_text_steps: int = 0  # thinker text steps before a talker starts (speech_from = "talker")
    speech_from_thinker: bool = True

    @property
    def prefill_length(self) -> int:
        return self.prompt_tokens + self.input_speech_positions

    @property
    def thinker_steps(self) -> int:
        return self.leading_text_steps + self.text_steps + (self.speech_steps if self.speech_from_thinker else 0)

    @property
    def llm_steps(self) -> int:
        """Sequential steps of the loop's outer level: thinker steps, plus talker steps where the talker
        speaks alone."""
        return self.thinker_steps + (0 if self.speech_from_thinker else self.speech_steps)


def plan(
    arch: Architecture, input_hz: float, output_hz: float, input_seconds: float, output_seconds: float
) -> StepPlan:
    speech_steps = max(1, round(output_hz * output_seconds))
    from_thinker = arch.speech_from == "thinker"
    return StepPlan(
        input_speech_positions=max(1, round(input_hz * input_seconds)),
        prompt_tokens=arch.prompt_tokens,
        speech_steps=speech_steps,
        text_steps=round(speech_steps * arch.text_tokens_per_speech_step),
        leading_text_steps=0 if from_thinker else round(arch.text_tokens_per_second * output_seconds),
        speech_from_thinker=from_thinker,
    )


MARGIN = 64  # positions beyond the longest plan, so a cache is never filled to its last slot


def cache_lengths(arch: Architecture, plans: list[StepPlan]) -> tuple[int, int]:
    """The longest sequence the thinker, and a stage that follows the conversation, hold over these
    plans, plus MARGIN: the sizes of the compiled backend's static caches (a patch decoder's is its own)."""
    thinker = max(p.prefill_length + p.thinker_steps for p in plans) + MARGIN
    steps = max((s.steps_per_llm_step for s in arch.stages if not s.local), default=0)
    stage = max(p.prefill_length + p.leading_text_steps + p.speech_steps * steps for p in plans) + MARGIN
    return thinker, stage


@dataclass
class RequestTimes:
    t_prefill: float
    t_first_token: float | None  # None only for a request with no speech step
    t_ar: float
    t_total: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stage_steps: dict[str, int] = field(default_factory=dict)


class StageClock:
    """Accumulates time per stage: CUDA events on a GPU (read once at the end), perf_counter on a CPU."""

    def __init__(self, torch: Any, device: str):
        self.torch = torch
        self.cuda = device.startswith("cuda")
        self.spans: dict[str, list] = {}
        self.steps: dict[str, int] = {}

    @contextmanager
    def __call__(self, name: str, steps: int = 1) -> Iterator[None]:
        if self.cuda:
            begin, end = self.torch.cuda.Event(enable_timing=True), self.torch.cuda.Event(enable_timing=True)
            begin.record()
            yield
            end.record()
            self.spans.setdefault(name, []).append((begin, end))
        else:
            begin = time.perf_counter()
            yield
            self.spans.setdefault(name, []).append(time.perf_counter() - begin)
        self.steps[name] = self.steps.get(name, 0) + steps

    def totals(self) -> tuple[dict[str, float], dict[str, int]]:
        """Seconds per stage (call after the device is synchronised)."""
        seconds = {}
        for name, spans in self.spans.items():
            seconds[name] = sum(b.elapsed_time(e) / 1000.0 for b, e in spans) if self.cuda else sum(spans)
        return seconds, dict(self.steps)


class Lab:
    """One architecture built on one device, ready to time requests."""

    def __init__(
        self, arch: Architecture, device: str = "cpu", dtype: str = "bf16", max_positions: int = 8192, seed: int = 0,
        backend: str = "eager", stage_positions: int | None = None,
    ):  # fmt: skip
        """max_positions: the thinker's longest sequence; stage_positions: a talker's or audio head's
        (they follow the conversation and step once or more per speech step), max_positions if None."""
        import torch

        from vfr_bench.latency.stacks import Stack

        if backend == "compiled":
            from vfr_bench.latency.compiled_stack import CompiledStack as Stack
        elif backend != "eager":
            raise ValueError(f"unknown latency backend {backend!r}: eager or compiled build in this process")
        self.torch = torch
        self.arch = arch
        self.device = device
        self.backend = backend
        self.dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[dtype]
        self.thinker = Stack(arch.thinker, device, self.dtype, max_positions, seed)
        self.stages: list[tuple[Stage, Any, Any]] = []
        for i, stage in enumerate(arch.stages):
            # a patch decoder's sequence is its own steps (plus the thinker's state): a cache that long
            positions = stage.steps_per_llm_step + 1 if stage.local else (stage_positions or max_positions)
            stack = Stack(stage.stack, device, self.dtype, positions, seed + 1 + i)
            with torch.device(device):
                projection = torch.nn.Linear(arch.thinker.hidden, stage.stack.hidden).to(self.dtype).eval()
            self.stages.append((stage, stack, projection))

    def synchronize(self) -> None:
        if self.device.startswith("cuda"):
            self.torch.cuda.synchronize()

    def run(self, p: StepPlan, batch: int = 1) -> RequestTimes:
        """One timed request. Clocks are read with the device synchronised; the per-stage split
        uses CUDA events on a GPU, so it adds no synchronisation inside the loop."""
        torch = self.torch
        clock = StageClock(torch, self.device)
        with torch.inference_mode():
            self.thinker.reset()
            for _, stack, _ in self.stages:
                stack.reset()
            prompt_ids = torch.randint(0, self.arch.thinker.vocab, (batch, p.prompt_tokens), device=self.device)
            speech = torch.randn(
                batch, p.input_speech_positions, self.arch.thinker.hidden, device=self.device, dtype=self.dtype
            )
            self.synchronize()
            start = time.perf_counter()
            prefill_hidden = self.thinker.forward(torch.cat([self.thinker.embed(prompt_ids), speech], dim=1))
            hidden = prefill_hidden[:, -1:]
            token = self.thinker.next_token(hidden)
            talker_context = [prefill_hidden]
            if p.speech_from_thinker:
                self._prefill_stages(prefill_hidden)
            self.synchronize()
            t_prefill = time.perf_counter() - start
            for _ in range(p.leading_text_steps):  # a thinker that writes its text before the talker speaks
                hidden, token = self._thinker_step(clock, token)
                talker_context.append(hidden)
            if not p.speech_from_thinker:
                with clock("talker-prefill"):
                    self._prefill_stages(torch.cat(talker_context, dim=1))
            del talker_context, prefill_hidden
            t_first_token = None
            text_done = 0
            for step in range(p.speech_steps):
                # interleaved text steps, spread evenly among the speech steps
                while text_done < p.text_steps and text_done * p.speech_steps < (step + 1) * p.text_steps:
                    hidden, token = self._thinker_step(clock, token)
                    text_done += 1
                if p.speech_from_thinker:
                    hidden, token = self._thinker_step(clock, token)
                self._stage_steps(clock, hidden)
                if t_first_token is None:  # the first speech token exists once its stages have run
                    self.synchronize()
                    t_first_token = time.perf_counter() - start
            self.synchronize()
            t_total = time.perf_counter() - start
        seconds, steps = clock.totals()
        return RequestTimes(
            t_prefill=t_prefill,
            t_first_token=t_first_token,
            t_ar=t_total - t_prefill,
            t_total=t_total,
            stage_seconds=seconds,
            stage_steps=steps,
        )

    def _thinker_step(self, clock: StageClock, token: Any) -> tuple[Any, Any]:
        """One thinker step: (its hidden state, the next token)."""
        with clock("thinker"):
            return self.thinker.step(token)

    def _stage_steps(self, clock: StageClock, hidden: Any) -> None:
        """The steps of every stage hung off the thinker, conditioned on its hidden state."""
        for stage, stack, projection in self.stages:
            with clock(stage.name, steps=stage.steps_per_llm_step):
                if stage.local:  # a patch decoder starts afresh on each LLM step
                    stack.rewind()
                _, code = stack.step_embeds(projection(hidden))
                for _ in range(stage.steps_per_llm_step - 1):
                    _, code = stack.step(code)

    def _prefill_stages(self, hidden) -> None:
        """A talker or audio head that follows the conversation prefills on the thinker's states."""
        for stage, stack, projection in self.stages:
            if not stage.local:
                stack.forward(projection(hidden))

    def close(self) -> None:
        del self.thinker, self.stages
        if self.device.startswith("cuda"):
            self.torch.cuda.empty_cache()
