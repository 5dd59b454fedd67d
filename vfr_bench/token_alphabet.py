"""What one unit of a model's speech side can be: the alphabet behind its bits per second.

A unit is one position the language model receives (input) or one step that emits speech (output).
It carries one code from each of its codebooks (a multi-codebook or patched step carries several)
and, for variable-duration tokens, a duration class (the side information CodecSlime counts apart).
A side whose units are vectors, not codes (the training-free models' merged encoder frames), is
`continuous`: it has no bits to count, and the report says so instead of printing a number.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, model_validator


class TokenAlphabet(BaseModel):
    """Declared by an adapter per side (`Adapter.input_alphabet`, `Adapter.output_alphabet`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    continuous: bool = False
    codebooks: tuple[int, ...] = ()  # the size of each codebook one unit draws a code from
    duration_classes: int | None = None  # how many durations a unit can take, where it carries one

    @model_validator(mode="after")
    def _consistent(self) -> TokenAlphabet:
        if self.continuous and (self.codebooks or self.duration_classes is not None):
            raise ValueError("a continuous side has no codebooks or duration classes to count")
        if not self.continuous and not self.codebooks:
            raise ValueError("a discrete side names its codebook sizes (or is declared continuous)")
        if any(size < 2 for size in self.codebooks):
            raise ValueError(f"codebook sizes must be at least 2, got {list(self.codebooks)}")
        if self.duration_classes is not None and self.duration_classes < 2:
            raise ValueError(f"duration classes must be at least 2, got {self.duration_classes}")
        return self

    @property
    def content_bits(self) -> float | None:
        """Bits one unit's codes carry (sum of log2 codebook sizes); None for a continuous side."""
        return None if self.continuous else float(sum(math.log2(size) for size in self.codebooks))

    @property
    def duration_bits(self) -> float | None:
        """Bits of one unit's duration class (0 where units have no duration); None when continuous."""
        if self.continuous:
            return None
        return math.log2(self.duration_classes) if self.duration_classes else 0.0

    def describe(self) -> str:
        if self.continuous:
            return "continuous"
        books = " x ".join(str(size) for size in self.codebooks)
        return books + (f" + {self.duration_classes} durations" if self.duration_classes else "")


CONTINUOUS = TokenAlphabet(continuous=True)
