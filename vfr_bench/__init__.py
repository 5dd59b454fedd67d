"""vfr-bench: evaluation harness for variable-frame-rate spoken language models."""

__version__ = "0.1.0"
