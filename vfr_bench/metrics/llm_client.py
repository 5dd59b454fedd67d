"""The one client the LLM judge talks through: any OpenAI-compatible chat endpoint, via the openai SDK.

The SDK retries what may pass (429, 408, 409, 5xx, timeouts, refused connections) with exponential
backoff and honours Retry-After; what still fails raises JudgeError with the HTTP status and a
redacted, shortened message, never the server's raw body (a server that echoes the key must not
leak it into scores.jsonl). The key comes from $VFR_BENCH_JUDGE_API_KEY (or $OPENAI_API_KEY) and is
written nowhere.
"""

from __future__ import annotations

import os
import re

from vfr_bench.metrics.base import MetricUnavailable
from vfr_bench.redact import redact_url

KEY_ENVS = ("VFR_BENCH_JUDGE_API_KEY", "OPENAI_API_KEY")
TIMEOUT_S = 60.0
MAX_MESSAGE = 160
# things that look like credentials: bearer tokens, sk-... keys, long opaque strings
SECRET = re.compile(r"(Bearer\s+[A-Za-z0-9._~+/\-]+=*|sk-[A-Za-z0-9_\-]{6,}|[A-Za-z0-9_\-]{32,})")


class JudgeError(RuntimeError):
    """The judge could not give a reply (after retries); the message is safe to record."""


def retried_status(code: int) -> bool:
    """What the SDK retries: timeouts, conflicts, rate limits and server errors."""
    return code in (408, 409, 429) or code >= 500


def api_key() -> str | None:
    return next((os.environ[k] for k in KEY_ENVS if os.environ.get(k)), None)


def redact(text: str, key: str | None = None) -> str:
    if key:
        text = text.replace(key, "[redacted]")
    text = SECRET.sub("[redacted]", " ".join(text.split()))
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


class ChatClient:
    """Chat completions from one endpoint and model, with retries."""

    def __init__(self, url: str, model: str, retries: int = 4, timeout: float = TIMEOUT_S):
        try:
            import openai
        except ImportError:
            raise MetricUnavailable(
                "the LLM judge needs the openai package: pip install 'vfr-bench[metrics]'"
            ) from None
        self.openai = openai
        self.url, self.model, self.retries = url, model, retries
        self.key = api_key()
        # a local server needs no key, but the SDK insists on one: a placeholder that is never a secret
        self.client = openai.OpenAI(base_url=url, api_key=self.key or "none", max_retries=retries, timeout=timeout)

    def reply(self, prompt: str, seed: int, max_tokens: int = 40) -> str:
        """The judge's reply to `prompt`; JudgeError where none came back."""
        openai = self.openai
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=[{"role": "user", "content": prompt}], seed=seed,
                temperature=0.0 if seed == 0 else 0.7, max_tokens=max_tokens,
            )  # fmt: skip
        except openai.APIStatusError as err:
            retried = f" (after {self.retries} retries)" if retried_status(err.status_code) else ""
            raise JudgeError(
                f"LLM judge HTTP {err.status_code}{retried}: {redact(str(err.message), self.key)}"
            ) from None
        except (openai.APIConnectionError, openai.APITimeoutError) as err:
            raise JudgeError(
                f"LLM judge unreachable at {redact_url(self.url)} (after {self.retries} retries): "
                f"{redact(str(err), self.key)}"
            ) from None
        choices = getattr(response, "choices", None) or []
        content = choices[0].message.content if choices else None
        if not isinstance(content, str):
            raise JudgeError("LLM judge returned no message")
        return content
