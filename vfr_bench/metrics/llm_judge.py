"""LLM judge through any OpenAI-compatible chat endpoint.

Base URL and model come from the judge settings (CLI) or $VFR_BENCH_JUDGE_URL / $VFR_BENCH_JUDGE_MODEL;
the key only from $VFR_BENCH_JUDGE_API_KEY (or $OPENAI_API_KEY) and is never written anywhere.
Prompt templates are versioned files whose hash goes into the manifest; each item is judged n
times (majority vote for yes/no, mean for 1-5 scores); every response is cached on disk, so
re-scoring is free. A failed or unparsable judgement is an error for that sample, never a zero.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.error
import urllib.request
from importlib.resources import files
from typing import Any

from vfr_bench.metrics.base import Metric, MetricContext, MetricUnavailable, SampleScore
from vfr_bench.metrics.cache import JsonCache, stable_hash
from vfr_bench.metrics.registry import register_metric
from vfr_bench.records import Reference, SampleRecord

TEMPLATES = {"qa_correct": "qa_correct_v1.txt", "open_score": "open_score_v1.txt"}
TIMEOUT_S = 60


def template(name: str) -> tuple[str, str]:
    """(text, sha256 prefix) of a prompt template."""
    text = files("vfr_bench.metrics").joinpath("prompts", TEMPLATES[name]).read_text(encoding="utf-8")
    return text, hashlib.sha256(text.encode()).hexdigest()[:16]


def endpoint(ctx: MetricContext) -> tuple[str, str]:
    url = ctx.judges.llm_url or os.environ.get("VFR_BENCH_JUDGE_URL")
    model = ctx.judges.llm_model or os.environ.get("VFR_BENCH_JUDGE_MODEL")
    if not url or not model:
        raise MetricUnavailable(
            "the LLM judge needs an OpenAI-compatible endpoint: pass --judge-url and "
            "--judge-model (or set VFR_BENCH_JUDGE_URL and VFR_BENCH_JUDGE_MODEL); the key "
            "comes from VFR_BENCH_JUDGE_API_KEY or OPENAI_API_KEY"
        )
    return url.rstrip("/"), model


def chat(url: str, model: str, prompt: str, seed: int) -> str:
    """One chat completion; raises with the server's message on failure."""
    key = os.environ.get("VFR_BENCH_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
    body = json.dumps(
        {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": 0.0 if seed == 0 else 0.7,
            "seed": seed,
            "max_tokens": 8,
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/chat/completions",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            payload = json.loads(response.read())
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"LLM judge HTTP {err.code}: {err.read()[:200]!r}") from None
    except (urllib.error.URLError, TimeoutError) as err:
        raise RuntimeError(f"LLM judge unreachable at {url}: {err}") from None
    try:
        return payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise RuntimeError(f"LLM judge returned no message: {str(payload)[:200]}") from None


def judgements(record: SampleRecord, ctx: MetricContext, kind: str, response: str) -> list[str]:
    """n raw judge replies for one item, from the cache where already asked."""
    url, model = endpoint(ctx)
    text, digest = template(kind)
    ref = record.reference or Reference()
    prompt = text.format(question=ref.question or "", answers="; ".join(ref.answers), response=response)
    cache = ctx.resource("llm-cache", lambda: JsonCache(ctx.cache_dir / "llm_judge.jsonl"))
    out = []
    for i in range(max(1, ctx.judges.llm_samples)):
        key = stable_hash({"url": url, "model": model, "template": digest, "prompt": prompt, "i": i})
        reply = cache.get(key)
        if reply is None:
            reply = chat(url, model, prompt, seed=i)
            cache.put(key, reply)
        out.append(reply)
    return out


def parse_yes_no(reply: str) -> bool:
    match = re.search(r"\b(yes|no)\b", reply.strip().lower())
    if not match:
        raise ValueError(f"judge reply is neither yes nor no: {reply[:80]!r}")
    return match.group(1) == "yes"


def parse_score(reply: str) -> int:
    match = re.search(r"\b([1-5])\b", reply)
    if not match:
        raise ValueError(f"judge reply holds no score from 1 to 5: {reply[:80]!r}")
    return int(match.group(1))


def _response(record: SampleRecord, ctx: MetricContext, channel: str) -> str | None:
    return record.text if channel == "s2t" else ctx.transcript(record)


def _qa_judge(channel: str):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        response = _response(record, ctx, channel)
        if response is None:
            return None
        votes = [parse_yes_no(r) for r in judgements(record, ctx, "qa_correct", response)]
        yes = sum(votes)
        if 2 * yes == len(votes):
            raise ValueError(f"judge votes tie {yes}:{len(votes) - yes}; use an odd number of judge samples")
        return SampleScore(float(2 * yes > len(votes)), detail={"votes": votes, "channel": channel})

    return compute


def _open_score(channel: str):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        if not (record.reference and record.reference.question):
            return None
        response = _response(record, ctx, channel)
        if response is None:
            return None
        scores = [parse_score(r) for r in judgements(record, ctx, "open_score", response)]
        return SampleScore(sum(scores) / len(scores), detail={"scores": scores, "channel": channel})

    return compute


def _provenance(kind: str):
    def provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
        _, digest = template(kind)
        out: dict[str, Any] = {"judge_prompt": TEMPLATES[kind], "judge_prompt_sha256": digest}
        if ctx is not None:
            out.update(
                {
                    "judge": ctx.judges.llm_model or os.environ.get("VFR_BENCH_JUDGE_MODEL"),
                    "judge_url": ctx.judges.llm_url or os.environ.get("VFR_BENCH_JUDGE_URL"),
                    "judge_samples": ctx.judges.llm_samples,
                }
            )
        return out

    return provenance


def _check(ctx: MetricContext) -> None:
    endpoint(ctx)


def _metric(name: str, description: str, channel: str, kind: str, display: str) -> Metric:
    accuracy = kind == "qa_correct"
    needs = ("reference.answers" if accuracy else "reference.question", "text" if channel == "s2t" else "audio")
    return Metric(
        name, "1", description, kind="quality", higher_is_better=True, aggregation="mean",
        compute=(_qa_judge if accuracy else _open_score)(channel), display=display, requires=needs,
        scale="fraction" if accuracy else "absolute", judges=("llm",) if channel == "s2t" else ("asr", "llm"),
        check=_check, provenance=_provenance(kind),
    )  # fmt: skip


register_metric(
    _metric("qa_judge_accuracy", "spoken-QA accuracy by LLM judge (majority of n), text channel", "s2t",
            "qa_correct", "QA accuracy, LLM judge (text)"),
    _metric("qa_judge_accuracy_s2s", "spoken-QA accuracy by LLM judge, ASR transcript of the speech", "s2s",
            "qa_correct", "QA accuracy, LLM judge (speech)"),
    _metric("judge_score", "open-ended 1-5 score by LLM judge (mean of n), text channel", "s2t", "open_score",
            "LLM-judge score 1-5 (text)"),
    _metric("judge_score_s2s", "open-ended 1-5 score by LLM judge, ASR transcript of the speech", "s2s",
            "open_score", "LLM-judge score 1-5 (speech)"),
)  # fmt: skip
