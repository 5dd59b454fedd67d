"""Scoring: samples.jsonl -> scores.jsonl (appended, resumable) -> summary.csv (derived)."""

from vfr_bench.scoring.score import JudgeChanged, ScoringError, score_run
from vfr_bench.scoring.summary import summarise

__all__ = ["JudgeChanged", "ScoringError", "score_run", "summarise"]
