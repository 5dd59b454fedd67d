"""Parity of `wer` with Kimi-Audio-Evalkit's English ASR recipe, and of `wer_uro` with URO-Bench's.

Each case's expected edits and reference words were worked out by reading the kit's code, then
checked by running that code (Kimi-Audio-Evalkit at commit 4080c49 with sacrebleu 1.5.1 and
editdistance, as its requirements.txt lines 11 and 54 pin; URO-Bench at 9e74bc0 with jiwer 3.0.5,
its requirements.txt line 40) on these pairs. KIT below is MoonshotAI/Kimi-Audio-Evalkit at 4080c49:

  A  almeval/datasets/ds_asr.py:36-38  a prediction whose str() is exactly "null" is left out, with its reference
  B  almeval/datasets/ds_asr.py:39-40, almeval/metrics/wer.py:87-94  remove_sp on both sides: <|...|> tags become
     a space, a space before !,.?;: goes
  C  almeval/metrics/wer.py:112-114  English: Whisper's EnglishTextNormalizer
     (almeval/metrics/whisper_normalizer/english.py:526-550), whose replacers (english.py:468-522) have no rule for
     kinda, sorta, dunno or cause; brackets, parentheses (529-530) and hmm/mm/mhm/mmm/uh/um (467) go; numbers
     become digits (EnglishNumberNormalizer, english.py:12-447; "o"/"oh" are zeros, line 26); British spellings
     become American (english.py:450-462, english.json); . % $ ¢ € £ survive next to digits (539, 545-546)
  D  almeval/metrics/wer.py:115-120  then (every language but zh) Whisper's BasicTextNormalizer
     (whisper_normalizer/basic.py:63-76): NFKC, and every mark, symbol and punctuation character becomes a space
     (basic.py:46-53), so "3.5%" is "3 5" and "$3.50" is "3 50"
  E  almeval/metrics/wer.py:100-104, 121-122  sacreBLEU's zh tokeniser (1.5.1 tokenizer_zh.py: each CJK
     character, and each character in U+2001..U+2A6D, its own token), punctuation-only tokens removed, lowercased
  F  almeval/metrics/wer.py:132-133  edits = editdistance over the token lists; words = len(reference tokens)
"""

from __future__ import annotations

import pytest

from vfr_bench.metrics import get_metric
from vfr_bench.metrics.wer import word_errors
from vfr_bench.metrics.wer_recipes import KIMI_AUDIO_EVALKIT, URO_BENCH, utterance_errors
from vfr_bench.records import SampleRecord

# (reference, hypothesis, kit edits, kit reference words, why)
KIT_CASES = [
    # contractions (C: english.py:470-522)
    ("they won't go", "they will not go", 0, 4, "C won't -> will not"),
    ("we'd been there", "we had been there", 0, 4, "C 'd been -> had been"),
    ("I can't", "i cannot", 2, 3, "C can't -> can not: 3 words, 'cannot' is one"),
    ("y'all ain't ready", "you all aint ready", 0, 4, "C y'all -> you all, ain't -> aint"),
    ("don't", "do not", 0, 2, "C n't -> not"),
    ("ma'am", "madam", 0, 1, "C ma'am -> madam"),
    # informal forms: gonna/wanna are Whisper's; kinda/sorta/dunno/cause are not (C: english.py:468-522)
    ("he's gonna win", "he is going to win", 0, 5, "C gonna -> going to, 's -> is"),
    ("wanna go", "want to go", 0, 3, "C wanna -> want to"),
    ("i kind of like it", "i kinda like it", 2, 5, "C no kinda rule: 1 substitution + 1 deletion"),
    ("i do not know", "i dunno", 3, 4, "C no dunno rule"),
    ("i sort of know", "i sorta know", 2, 4, "C no sorta rule"),
    ("the cause of it", "the because of it", 1, 4, "C no cause rule: the noun stays"),
    # numbers and ordinals (C: EnglishNumberNormalizer)
    ("in 1999", "in nineteen ninety nine", 0, 2, "C spelled-out year -> 1999"),
    ("the 21st century", "the twenty first century", 0, 3, "C ordinal -> 21st"),
    ("the 3rd of May", "the third of may", 0, 4, "C third -> 3rd"),
    ("one oh one", "101", 0, 1, "C successive digits, oh is zero (english.py:26)"),
    ("double five", "55", 0, 1, "C double -> repeated digit"),
    ("the 1960s", "the nineteen sixties", 0, 2, "C plural decade"),
    ("it's 5 o'clock", "it is five oclock", 2, 4, "C o after a digit is a zero: 'it is 50 clock'"),
    ("two and a half", "2.5", 0, 2, "C and a half -> .5 (english.py:388-406); D '.' -> '2 5'"),
    ("1,000,000", "a million", 1, 1, "C commas between digits go (537); 'a' stays"),
    # currency and percent (C keeps the symbols, D removes them)
    ("the rate is 3.5%", "the rate is three point five percent", 0, 5, "C 3.5% on both; D '3 5': 5 words"),
    ("it costs $3.50", "it costs three dollars fifty cents", 0, 4, "C $3.50 (postprocess 417-440); D '3 50'"),
    ("twenty percent", "20%", 0, 1, "C 20%; D 20"),
    ("5 dollars", "$5", 0, 1, "C $5 both; D 5"),
    ("£20 million", "twenty million pounds", 0, 1, "C £20000000; D 20000000"),
    ("$0.50", "fifty cents", 0, 1, "C ¢50 (postprocess extract_cents); D 50"),
    ("50 € or 50 ¢", "fifty euros or fifty cents", 0, 3, "C keeps the lone symbols, D drops them: '50 or 50'"),
    # British spellings (C: english.json)
    ("the colour grey", "the color gray", 0, 3, "C colour -> color, grey -> gray"),
    ("organise the centre", "organize the center", 0, 3, "C -ise, -re"),
    ("travelled", "traveled", 0, 1, "C doubled l"),
    # hyphenation (C: remove_symbols_and_diacritics, english.py:539)
    ("a well-known fact", "a well known fact", 0, 4, "C hyphen -> space"),
    ("e-mail me", "email me", 2, 3, "C 'e mail': 3 reference words"),
    ("mother-in-law", "mother in law", 0, 3, "C hyphens -> spaces"),
    # abbreviations and tags
    ("Mr. Smith and Dr. Jones", "mister smith and doctor jones", 0, 5, "C mr -> mister, dr -> doctor"),
    ("St. Louis", "saint louis", 0, 2, "C st -> saint"),
    ("the U.S.A.", "the usa", 3, 4, "C periods -> spaces: 'the u s a'"),
    ("A.I.", "ai", 2, 2, "C 'a i'"),
    ("O.K.", "okay", 2, 2, "C periods go ('o k'), then o reads as a zero: '0 k'"),
    ("hello <|en|> world", "hello world", 0, 2, "B tag -> space"),
    ("hello<|en|>world", "hello world", 0, 2, "B tag -> space (C alone would join the words)"),
    ("[noise] hi there", "hi there", 0, 2, "C brackets go (529)"),
    ("(laughs) okay", "okay", 0, 1, "C parentheses go (530)"),
    ("um so uh yes", "so yes", 0, 2, "C fillers go (467)"),
    ("Hello , world !", "hello world", 0, 2, "B space before punctuation goes"),
    # scripts, marks and odd characters
    ("naïve café", "naive cafe", 0, 2, "C diacritics go"),
    ("北京 is big", "beijing is big", 2, 4, "E each Chinese character is a token"),
    ("a\u200bb", "ab", 3, 3, "E U+200B is in sacreBLEU's range U+2001..U+2A6D: 'a \\u200b b'"),
    # empty sides
    ("hmm", "", 0, 0, "C the reference has no words; F 0 edits of 0"),
    ("", "something", 1, 0, "F an empty reference: every hypothesis word is an insertion"),
    ("three words here", "", 3, 3, "F an empty hypothesis: every reference word deleted"),
    # "null" predictions: only the exact string is left out (A compares before B strips)
    ("x", "Null", 1, 1, "A case matters: kept, C lowercases it: 1 substitution"),
    ("x", " null", 1, 1, "A a leading space: kept; B strips it"),
]


@pytest.mark.parametrize("reference, hypothesis, edits, words, why", KIT_CASES, ids=[c[4] for c in KIT_CASES])
def test_wer_gives_the_kits_edits_and_words(reference, hypothesis, edits, words, why):
    errors = utterance_errors(KIMI_AUDIO_EVALKIT, reference, hypothesis, "en", word_errors)
    assert errors is not None and (errors.edits, errors.total) == (edits, words), (errors, why)


def test_a_null_prediction_is_left_out_as_the_kit_leaves_it_out():
    """KIT ds_asr.py:36-38: the row goes, reference and all; the metric does not apply to it."""
    assert utterance_errors(KIMI_AUDIO_EVALKIT, "hello world", "null", "en", word_errors) is None
    record = SampleRecord(
        model="m", rate_spec="4", task="asr", sample_id="a", status="ok", text="null", language="en",
        reference={"text": "hello world"},
    )  # fmt: skip
    assert get_metric("wer").compute(record, None) is None


def test_wer_is_corpus_level_and_names_its_recipe_on_each_score():
    wer = get_metric("wer")
    assert wer.aggregation == "corpus" and wer.version == "2"
    record = SampleRecord(
        model="m", rate_spec="4", task="asr", sample_id="a", status="ok", text="i kinda like it", language="en-GB",
        reference={"text": "I kind of like it."},
    )  # fmt: skip
    score = wer.compute(record, None)
    assert (score.numerator, score.denominator, score.value) == (2, 5, pytest.approx(0.4))
    assert score.detail["recipe"] == "kimi-audio-evalkit@4080c49"
    assert score.detail["normalised_reference"] == "i kind of like it"
    assert wer.describe()["recipe"] == "kimi-audio-evalkit@4080c49"


# URO-Bench metrics/mark_wer.py: wer_en (lines 16-24) = jiwer.wer of Whisper-normalised text, 1 where jiwer
# raises (a reference with no words); eval_wav (lines 103-116) = their mean. (reference, hypothesis, WER)
URO_CASES = [
    ("i kind of like it", "i kinda like it", 0.4),
    ("the rate is 3.5%", "the rate is three point five percent", 0.0),  # '3.5%' is one word: no basic normaliser
    ("50 € or 50 ¢", "fifty euros or fifty cents", 0.75),  # '50 or 50 ¢' against '€50 or ¢50': 3 edits of 4
    ("hello<|en|>world", "hello world", 2.0),  # no remove_sp: 'helloworld' is one word, so 2 edits of 1
    ("hmm", "", 1.0),  # no reference words: jiwer raises, URO scores 1
    ("", "something", 1.0),
    ("null", "null", 0.0),  # URO keeps "null"
]


@pytest.mark.parametrize("reference, hypothesis, value", URO_CASES)
def test_wer_uro_gives_uro_benchs_utterance_wer(reference, hypothesis, value):
    errors = utterance_errors(URO_BENCH, reference, hypothesis, "en", word_errors)
    assert errors is not None and errors.value(URO_BENCH) == pytest.approx(value)


def test_wer_uro_is_the_mean_of_utterance_wers_and_english_only():
    uro = get_metric("wer_uro")
    assert uro.aggregation == "mean" and uro.describe()["recipe"] == "uro-bench@9e74bc0"
    zh = SampleRecord(
        model="m", rate_spec="4", task="asr", sample_id="a", status="ok", text="你好", language="zh",
        reference={"text": "你好"},
    )  # fmt: skip
    assert uro.compute(zh, None) is None  # URO-Bench's WER is English; its Chinese CER is another recipe
