"""Pinned copies of the text processing that the field's WER recipes run, so that a recipe here gives
the same units as the kit it names on every input. Each piece is a copy of exactly that behaviour,
with its source, version and licence:

- `WhisperEnglishNormaliser`: OpenAI Whisper's own `EnglishTextNormalizer` (openai/whisper,
  release 20250625, whisper/normalizers/english.py; MIT, Copyright (c) 2022 OpenAI). Kimi-Audio-
  Evalkit (almeval/metrics/whisper_normalizer/english.py) and URO-Bench (normalizers/english.py)
  vendor this very code (their ASTs equal Whisper's). Only its top-level class is copied: the
  number and spelling normalisers and `remove_symbols_and_diacritics` come from the
  `whisper-normalizer` package, whose copies of them are Whisper's unchanged (as is its
  `english.json`). That package's own `EnglishTextNormalizer` is not Whisper's: it adds four
  rules (kinda -> kind of, sorta -> sort of, dunno -> do not know, cause -> because), so
  "i kinda like it" against "i kind of like it" would score 0 edits where the kits count 2.
- `remove_sp`, `remove_punctuation`: Kimi-Audio-Evalkit (MoonshotAI/Kimi-Audio-Evalkit, commit
  4080c49, almeval/metrics/wer.py lines 84-94 and 58-65; MIT, Copyright (c) 2025 Moonshot AI).
- `sacrebleu_zh_tokenise`: sacreBLEU 1.5.1's `zh` tokeniser (sacrebleu/tokenizers/tokenizer_zh.py and
  tokenizer_re.py; Apache-2.0, Copyright 2017--2018 Amazon.com, Inc.; the Chinese part MIT,
  Copyright (c) 2017 Shujian Huang), the version Kimi-Audio-Evalkit pins (requirements.txt). Its
  character ranges are kept as written there, including the two whose bounds are two characters
  long ('\\u20000', '\\u2f800'), which make it split every character from U+2001 to U+2A6D.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# openai/whisper 20250625, whisper/normalizers/english.py, EnglishTextNormalizer.__init__
WHISPER_IGNORE_PATTERNS = r"\b(hmm|mm|mhm|mmm|uh|um)\b"
WHISPER_REPLACERS: dict[str, str] = {
    # common contractions
    r"\bwon't\b": "will not",
    r"\bcan't\b": "can not",
    r"\blet's\b": "let us",
    r"\bain't\b": "aint",
    r"\by'all\b": "you all",
    r"\bwanna\b": "want to",
    r"\bgotta\b": "got to",
    r"\bgonna\b": "going to",
    r"\bi'ma\b": "i am going to",
    r"\bimma\b": "i am going to",
    r"\bwoulda\b": "would have",
    r"\bcoulda\b": "could have",
    r"\bshoulda\b": "should have",
    r"\bma'am\b": "madam",
    # contractions in titles/prefixes
    r"\bmr\b": "mister ",
    r"\bmrs\b": "missus ",
    r"\bst\b": "saint ",
    r"\bdr\b": "doctor ",
    r"\bprof\b": "professor ",
    r"\bcapt\b": "captain ",
    r"\bgov\b": "governor ",
    r"\bald\b": "alderman ",
    r"\bgen\b": "general ",
    r"\bsen\b": "senator ",
    r"\brep\b": "representative ",
    r"\bpres\b": "president ",
    r"\brev\b": "reverend ",
    r"\bhon\b": "honorable ",
    r"\basst\b": "assistant ",
    r"\bassoc\b": "associate ",
    r"\blt\b": "lieutenant ",
    r"\bcol\b": "colonel ",
    r"\bjr\b": "junior ",
    r"\bsr\b": "senior ",
    r"\besq\b": "esquire ",
    # perfect tenses
    r"'d been\b": " had been",
    r"'s been\b": " has been",
    r"'d gone\b": " had gone",
    r"'s gone\b": " has gone",
    r"'d done\b": " had done",  # "'s done" is ambiguous
    r"'s got\b": " has got",
    # general contractions
    r"n't\b": " not",
    r"'re\b": " are",
    r"'s\b": " is",
    r"'d\b": " would",
    r"'ll\b": " will",
    r"'t\b": " not",
    r"'ve\b": " have",
    r"'m\b": " am",
}


class WhisperEnglishNormaliser:
    """OpenAI Whisper's EnglishTextNormalizer (20250625), step for step."""

    def __init__(self) -> None:
        from whisper_normalizer.english import EnglishNumberNormalizer, EnglishSpellingNormalizer

        self.standardize_numbers = EnglishNumberNormalizer()
        self.standardize_spellings = EnglishSpellingNormalizer()

    def __call__(self, s: str) -> str:
        from whisper_normalizer.basic import remove_symbols_and_diacritics

        s = s.lower()
        s = re.sub(r"[<\[][^>\]]*[>\]]", "", s)  # remove words between brackets
        s = re.sub(r"\(([^)]+?)\)", "", s)  # remove words between parenthesis
        s = re.sub(WHISPER_IGNORE_PATTERNS, "", s)
        s = re.sub(r"\s+'", "'", s)  # when there's a space before an apostrophe
        for pattern, replacement in WHISPER_REPLACERS.items():
            s = re.sub(pattern, replacement, s)
        s = re.sub(r"(\d),(\d)", r"\1\2", s)  # remove commas between digits
        s = re.sub(r"\.([^0-9]|$)", r" \1", s)  # remove periods not followed by numbers
        s = remove_symbols_and_diacritics(s, keep=".%$¢€£")  # keep numeric symbols
        s = self.standardize_numbers(s)
        s = self.standardize_spellings(s)
        # remove prefix/suffix symbols that are not preceded/followed by numbers
        s = re.sub(r"[.$¢€£]([^0-9])", r" \1", s)
        s = re.sub(r"([^0-9])%", r"\1 ", s)
        return re.sub(r"\s+", " ", s)  # replace any successive whitespaces with a space


@cache
def whisper_english() -> WhisperEnglishNormaliser:
    return WhisperEnglishNormaliser()


@cache
def whisper_basic():
    """Whisper's BasicTextNormalizer with its defaults (whisper-normalizer's copy; its extra
    `preserve_marks` option is off by default, which is Whisper's behaviour)."""
    from whisper_normalizer.basic import BasicTextNormalizer

    return BasicTextNormalizer()


# Kimi-Audio-Evalkit 4080c49, almeval/metrics/wer.py
KIT_PUNCS = "!,.?;:"


def remove_sp(text: str, language: str) -> str:
    """The kit's first step on both sides (wer.py lines 87-94): special tags such as <|en|> become a
    space, whitespace runs one space, a space before !,.?;: goes, leading spaces go; Chinese loses
    every space."""
    gt = re.sub(r"<\|.*?\|>", " ", text)
    gt = re.sub(r"\s+", r" ", gt)
    gt = re.sub(f" ?([{KIT_PUNCS}])", r"\1", gt)
    gt = gt.lstrip(" ")
    if language == "zh":
        gt = re.sub(r"\s+", r"", gt)
    return gt


def remove_punctuation(sent: str) -> str:
    """The kit's EvaluationTokenizer.remove_punctuation (wer.py lines 58-65): drop the space-separated
    tokens made only of Unicode punctuation (an empty token counts as such)."""
    return " ".join(t for t in sent.split(" ") if not all(unicodedata.category(c)[0] == "P" for c in t))


# sacreBLEU 1.5.1, sacrebleu/tokenizers/tokenizer_zh.py: the ranges exactly as written there
_ZH_RANGES = (
    ("\u3400", "\u4db5"), ("\u4e00", "\u9fa5"), ("\u9fa6", "\u9fbb"), ("\uf900", "\ufa2d"),
    ("\ufa30", "\ufa6a"), ("\ufa70", "\ufad9"),
    ("\u20000", "\u2a6d6"),  # two characters each, as in sacreBLEU: U+2001..U+2A6D
    ("\u2f800", "\u2fa1d"),  # likewise: U+2F81..U+2FA1
    ("\uff00", "\uffef"), ("\u2e80", "\u2eff"), ("\u3000", "\u303f"), ("\u31c0", "\u31ef"),
    ("\u2f00", "\u2fdf"), ("\u2ff0", "\u2fff"), ("\u3100", "\u312f"), ("\u31a0", "\u31bf"),
    ("\ufe10", "\ufe1f"), ("\ufe30", "\ufe4f"), ("\u2600", "\u26ff"), ("\u2700", "\u27bf"),
    ("\u3200", "\u32ff"), ("\u3300", "\u33ff"),
)  # fmt: skip
# sacreBLEU 1.5.1, sacrebleu/tokenizers/tokenizer_re.py (the post-tokeniser of `zh` and `13a`)
_REGEXP_RULES = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),  # language-dependent part (Western)
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),  # period and comma unless preceded by a digit
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),  # period and comma unless followed by a digit
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),  # dash when preceded by a digit
    (re.compile(r"\s+"), r" "),  # one space only between words
)


def _is_chinese_char(char: str) -> bool:
    return any(start <= char <= end for start, end in _ZH_RANGES)


def sacrebleu_zh_tokenise(line: str) -> str:
    """sacreBLEU 1.5.1 TokenizerZh: each "Chinese" character apart, the rest by the 13a rules."""
    line = "".join(f" {c} " if _is_chinese_char(c) else c for c in line.strip())
    for pattern, replacement in _REGEXP_RULES:
        line = pattern.sub(replacement, line)
    return line.strip()
