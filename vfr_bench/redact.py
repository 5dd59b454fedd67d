"""Secrets out of everything recorded or printed: credentials inside URLs, and the user's home folder.

A judge URL such as `https://user:pass@host/v1` or `https://host/v1?api-key=...` names a judge (which
must be recorded with each score) and carries a secret (which must never be). `redact_url` keeps the
first and drops the second; `redact_text` does it to every URL inside a text (an argv, a message, a
JSON document), so that a writer can pass whatever it records through one function.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
# query parameters that carry credentials (api-key, api_key, apikey, token, access_token, sig, ...)
SECRET_PARAM = re.compile(r"(?i)(key|token|secret|pass|pwd|auth|sig|credential|session|cookie|jwt)")
URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>`]+")


def redact_url(url: str) -> str:
    """`url` without its secrets: the user and password before `@` and the values of secret-looking
    query parameters become REDACTED; scheme, host, port and path stay (they name the judge)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # not a URL we can take apart: keep nothing after the scheme that could be a secret
        return re.sub(r"://[^/]*@", f"://{REDACTED}@", url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{host}" + (f":{port}" if port else "")
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, REDACTED if SECRET_PARAM.search(k) else v) for k, v in pairs], safe=REDACTED)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Every URL inside `text` through redact_url."""
    return URL.sub(lambda m: redact_url(m.group()), text)


def home_relative(text: str) -> str:
    """The user's home folder in `text` written `~`: a report shared with others does not name the
    machine's accounts and folder layout."""
    home = str(Path.home())
    return text.replace(home, "~") if home not in ("", "/") else text
