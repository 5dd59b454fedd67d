"""LLM judge through any OpenAI-compatible chat endpoint (vfr_bench.metrics.llm_client).

Base URL and model come from the judge settings (CLI) or $VFR_BENCH_JUDGE_URL / $VFR_BENCH_JUDGE_MODEL;
the key only from the environment, never written. Prompt templates are versioned files whose hash
goes into the manifest; they ask for a JSON reply, which is parsed strictly: a reply that is not
exactly the JSON asked for is an error for that sample, never a score. Each item is judged n times
(majority vote for yes/no, mean for 1-5 scores). Only replies that parse are cached, so a failed or
unparsable item is asked again on the next `vfr-bench score`.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.resources import files
from typing import Any

from vfr_bench.metrics.base import Metric, MetricContext, MetricUnavailable, SampleScore
from vfr_bench.metrics.cache import JsonCache, stable_hash
from vfr_bench.metrics.llm_client import ChatClient
from vfr_bench.metrics.registry import register_metric
from vfr_bench.records import Reference, SampleRecord
from vfr_bench.redact import redact_url

TEMPLATES = {"qa_correct": "qa_correct_v3.txt", "open_score": "open_score_v3.txt"}
# 2: JSON replies parsed strictly (1 matched "yes"/"no" and a digit anywhere in the reply);
# 3: the question, answers and response enter the prompt as JSON values marked untrusted (a response
#    could forge the template's own lines), and a reply with a repeated key is refused
VERSION = "3"
# line breaks JSON leaves unescaped outside ASCII: a value must stay on its one line of the prompt
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


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


def judge_id(ctx: MetricContext) -> str:
    """The LLM judge's identity on each score it made."""
    url, model = endpoint(ctx)
    return f"llm:{model}@{redact_url(url)} x{max(1, ctx.judges.llm_samples)}"


def as_data(value: str | list[str]) -> str:
    """A value as one line of JSON: quotes and line breaks escaped, so that nothing inside it can close
    the value or start a line of the prompt's own."""
    text = json.dumps(value, ensure_ascii=False)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def judgements(record: SampleRecord, ctx: MetricContext, kind: str, response: str) -> list[Any]:
    """n parsed judgements for one item, from the cache where already asked."""
    url, model = endpoint(ctx)
    text, digest = template(kind)
    ref = record.reference or Reference()
    prompt = text.format(
        question=as_data(ref.question or ""), answers=as_data(list(ref.answers)), response=as_data(response)
    )
    cache = ctx.resource("llm-cache", lambda: JsonCache(ctx.cache_dir / "llm_judge.jsonl"))
    client = ctx.resource("llm-client", lambda: ChatClient(url, model))
    parse = PARSERS[kind]
    out = []
    for i in range(max(1, ctx.judges.llm_samples)):
        key = stable_hash({"url": url, "model": model, "template": digest, "prompt": prompt, "i": i})
        reply = cache.get(key)
        if reply is None:
            reply = client.reply(prompt, seed=i)
            parse(reply)  # an unparsable reply raises here and is never cached
            cache.put(key, reply)
        out.append(parse(reply))
    return out


def _json_reply(reply: str, field: str) -> Any:
    text = reply.strip()
    if text.startswith("```"):  # a fenced block: ```json ... ```
        text = text.strip("`").removeprefix("json").strip()
    try:
        parsed = json.loads(text, object_pairs_hook=_refuse_repeated_keys)
    except json.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict) or set(parsed) != {field}:
        raise ValueError(f"judge reply is not the JSON asked for ({{{field!r}: ...}}): {reply[:80]!r}")
    return parsed[field]


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads keeps the last of a repeated key: {"correct": false, "correct": true} would be true."""
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"judge reply repeats the key {', '.join(map(repr, repeated))}")
    return dict(pairs)


def parse_yes_no(reply: str) -> bool:
    value = _json_reply(reply, "correct")
    if not isinstance(value, bool):
        raise ValueError(f"judge reply's 'correct' is not true or false: {reply[:80]!r}")
    return value


def parse_score(reply: str) -> int:
    value = _json_reply(reply, "score")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValueError(f"judge reply's 'score' is not a whole number from 1 to 5: {reply[:80]!r}")
    return value


PARSERS = {"qa_correct": parse_yes_no, "open_score": parse_score}


def _response(record: SampleRecord, ctx: MetricContext, channel: str) -> str | None:
    return record.text if channel == "s2t" else ctx.transcript(record)


def _qa_judge(channel: str):
    def compute(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
        response = _response(record, ctx, channel)
        if response is None:
            return None
        votes = judgements(record, ctx, "qa_correct", response)
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
        scores = judgements(record, ctx, "open_score", response)
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
                    "judge_url": _recorded_url(ctx.judges.llm_url or os.environ.get("VFR_BENCH_JUDGE_URL")),
                    "judge_samples": ctx.judges.llm_samples,
                }
            )
        return out

    return provenance


def _recorded_url(url: str | None) -> str | None:
    return None if url is None else redact_url(url)


def _check(ctx: MetricContext) -> None:
    endpoint(ctx)


def _metric(name: str, description: str, channel: str, kind: str, display: str) -> Metric:
    accuracy = kind == "qa_correct"
    needs = ("reference.answers" if accuracy else "reference.question", "text" if channel == "s2t" else "audio")
    return Metric(
        name, VERSION, description, kind="quality", higher_is_better=True, aggregation="mean",
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
