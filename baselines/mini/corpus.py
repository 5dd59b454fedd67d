"""Training text for the mini models: sentences from Debian's `fortunes` packages.

The built-in evaluation sentences and questions are removed, so no evaluation text is trained on;
the sentences are split (by a hash of their text, so the split never moves when sentences are
added) into train, validation and held-out-test parts.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

FORTUNE_DIRS = (Path("/usr/share/games/fortunes"), Path("/usr/share/fortune"))
INSTALL_HINT = "apt-get install fortunes (Debian's fortune cookies: the training text)"
MIN_WORDS, MAX_WORDS = 5, 20
_ALLOWED = re.compile(r"^[A-Za-z][A-Za-z ,.'?!;:-]*[.?!]$")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")


class CorpusUnavailable(RuntimeError):
    """The training text is not installed here."""


def fortune_files() -> list[Path]:
    for folder in FORTUNE_DIRS:
        if folder.is_dir():
            found = sorted(p for p in folder.iterdir() if p.is_file() and not p.suffix and not p.name.endswith(".u8"))
            if found:
                return found
    raise CorpusUnavailable(f"no fortune files in {', '.join(map(str, FORTUNE_DIRS))}: {INSTALL_HINT}")


def sentences_of(text: str) -> list[str]:
    """The clean 5-20 word sentences of one fortune (attributions, quotes and odd characters dropped)."""
    body = re.split(r"\n\s*--", text)[0]  # "-- Author" attributions
    flat = " ".join(body.split())
    out = []
    for sentence in _SENTENCE_END.split(flat):
        sentence = sentence.strip()
        words = sentence.split()
        if not MIN_WORDS <= len(words) <= MAX_WORDS or not _ALLOWED.match(sentence):
            continue
        if "--" in sentence or ":" in sentence or any(len(w) > 2 and w.isupper() for w in words):
            continue
        out.append(sentence)
    return out


def normalise(sentence: str) -> str:
    return " ".join(re.sub(r"[^a-z ]", " ", sentence.lower()).split())


def evaluation_texts() -> set[str]:
    """The built-in evaluation sentences and questions, normalised (kept out of training)."""
    from vfr_bench.data.builtin_speech import questions, sentences

    return {normalise(item["text"]) for item in sentences()} | {normalise(item["question"]) for item in questions()}


def training_sentences() -> list[str]:
    """Every usable sentence, deduplicated (by its normalised form), in a stable order."""
    banned = evaluation_texts()
    seen: set[str] = set()
    out: list[str] = []
    for path in fortune_files():
        for fortune in path.read_text(encoding="latin-1").split("\n%\n"):
            for sentence in sentences_of(fortune):
                key = normalise(sentence)
                if key and key not in seen and key not in banned:
                    seen.add(key)
                    out.append(sentence)
    return sorted(out, key=lambda s: hashlib.sha256(s.encode()).hexdigest())


def split_of(sentence: str) -> str:
    """'train' (90 %), 'valid' (5 %) or 'test' (5 %), fixed by the sentence's hash."""
    bucket = int(hashlib.sha256(normalise(sentence).encode()).hexdigest()[:8], 16) % 20
    return "valid" if bucket == 0 else "test" if bucket == 1 else "train"
