"""Phones of a text, by espeak-ng: the phonemiser that ships inside piper-tts (the builtin extra).

Piper bundles espeak-ng and its data (`piper.espeakbridge`), so no system package is needed. A
phone is one IPA segment of espeak-ng's output: stress and length marks, diacritics, punctuation
and spaces are not phones, and letters joined by a tie or zero-width joiner, or written as one of
the diphthongs and affricates in `ONE_PHONE` ("aʊ", "dʒ"), are one phone.
"""

from __future__ import annotations

import threading
import unicodedata

from vfr_bench.metrics.base import MetricContext, MetricUnavailable
from vfr_bench.provenance import installed_version

JOINERS = {"\u200d", "\u0361", "\u035c"}  # zero-width joiner, combining tie bars
NOT_PHONES = {"ˈ", "ˌ", "ː", "ˑ", "‖", "|"}
# two letters that espeak-ng's IPA writes for one phone (its diphthongs and affricates)
ONE_PHONE = frozenset({"aɪ", "aʊ", "eɪ", "oʊ", "ɔɪ", "əʊ", "ɪə", "eə", "ʊə", "dʒ", "tʃ", "ts", "dz", "pf"})
VOICES = {"en": "en-us"}  # a language code espeak-ng reads otherwise as itself ("de", "es", "it")
INSTALL_HINT = "install the builtin extra (pip install 'vfr-bench[builtin]'): piper-tts bundles espeak-ng"
_lock = threading.Lock()  # espeak-ng holds one voice for the process


def phonemiser_id() -> str:
    return f"espeak-ng via piper-tts {installed_version('piper-tts')}"


def check_phonemiser(ctx: MetricContext | None = None) -> None:
    try:
        from piper import espeakbridge  # noqa: F401
    except ImportError as err:
        raise MetricUnavailable(f"no phonemiser ({err}); {INSTALL_HINT}") from None


def ipa(text: str, language: str = "en") -> str:
    """espeak-ng's IPA for `text`, clauses joined by spaces."""
    from piper import espeakbridge
    from piper.phonemize_espeak import ESPEAK_DATA_DIR

    voice = VOICES.get(language.split("-")[0].lower(), language.lower())
    with _lock:
        espeakbridge.initialize(str(ESPEAK_DATA_DIR))
        try:
            espeakbridge.set_voice(voice)
        except Exception as err:  # its own error type; say which voice and what it said
            raise ValueError(f"espeak-ng has no voice {voice!r} for language {language!r} ({err})") from None
        return " ".join(phonemes for phonemes, _end, _sentence in espeakbridge.get_phonemes(text))


def count_phones(ipa_text: str) -> int:
    """Phones in an IPA string (see the module's note on what counts)."""
    count, joined, previous = 0, False, ""
    for char in unicodedata.normalize("NFD", ipa_text):
        if char in JOINERS:
            joined = True
            continue
        if char.isspace():
            previous = ""  # a phone never spans two words
            continue
        if char in NOT_PHONES or unicodedata.category(char)[0] in "MPSZN":
            continue
        if not joined and previous + char not in ONE_PHONE:
            count += 1
        joined, previous = False, char
    return count


def phones(text: str, language: str = "en") -> int:
    return count_phones(ipa(text, language))
