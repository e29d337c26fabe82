"""Text handling shared by the review and survey domains: cleaning, tokens, negation, VADER; all offline.

Nothing fetches NLTK data at run time: tokens follow NLTK's TweetTokenizer (emoji, contractions and
emoticons kept) from one compiled pattern, the stop words are kept here, and NLTK's VADER reads the
lexicon the `vaderSentiment` package ships, put on NLTK's data path.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# English function words that carry no sentiment. Negations ("not", "no", "never", "nor") and
# intensifiers ("very", "too") are deliberately absent: they change what a review means.
_STOP_WORD_LIST = """
    a about above after again against all am an and any are as at be because been before being below
    between both by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to
    under until up was we were what when where which while who whom why will with would you your
    yours yourself yourselves 's 'm 're 've 'd 'll
    """
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORD_LIST.split())
NEGATIONS: frozenset[str] = frozenset(
    {"not", "no", "never", "nor", "none", "nothing", "nobody", "nowhere", "neither", "cannot", "without"}
)
# A negation's scope ends at clause punctuation or at a contrast ("not cheap, but worth it").
_SCOPE_END: frozenset[str] = frozenset({".", ",", ";", ":", "!", "?", "but", "however", "although", "though"})
NEGATION_PREFIX = "NOT_"
_URL = re.compile(r"https?://\S+|www\.\S+")
_TAG = re.compile(r"<[^>]+>")
_PUNCT_ONLY = re.compile(r"^[!-/:-@\[-`{-~]+$")  # ASCII punctuation only: emoji carry sentiment


def clean(text: str | None) -> str:
    """Unescape HTML, drop tags and URLs, normalise whitespace; None becomes the empty string."""
    if not text:
        return ""
    text = _TAG.sub(" ", html.unescape(str(text)))
    return " ".join(_URL.sub(" ", text).split())


# The tokens NLTK's TweetTokenizer produces for reviews (it stays the reference in the tests), from one
# compiled pattern: ~10x faster, which is most of what a 10,000-review /predict/batch costs.
_HANDLE = re.compile(r"(?<![A-Za-z0-9_!@#$%&*])@\w+")  # "@owner" carries no sentiment
_REPEAT = re.compile(r"(.)\1{3,}")  # "soooooo" -> "sooo", as TweetTokenizer(reduce_len=True)
_TOKEN = re.compile(
    r"""
    [<>]?[:;=8][\-o*']?[)\](\[dDpP/:}{@|\\]   # emoticons :) ;-( :D
  | \d+(?:[.,]\d+)+                          # 10.5, 1,200
  | [^\W_]+(?:['’\-_][^\W_]+)*               # words, contractions (wasn't), hyphenations (so-so)
  | \.\.+                                     # ellipsis
  | [^\w\s]                                   # one symbol at a time: emoji, !, ?, punctuation
    """,
    re.VERBOSE,
)
_EMOTICON_START = frozenset(":;=8<>")


def raw_tokens(text: str) -> list[str]:
    """Lower-cased tokens of already-cleaned text, punctuation and emoji included (emoticons keep case)."""
    text = _REPEAT.sub(r"\1\1\1", _HANDLE.sub(" ", text))
    return [t if t[0] in _EMOTICON_START else t.lower() for t in _TOKEN.findall(text)]


def is_negation(token: str) -> bool:
    return token in NEGATIONS or token.endswith(("n't", "n’t"))


def tokenize(text: str | None, drop_stop_words: bool = True) -> list[str]:
    """Lower-cased word, emoji, '!' and '?' tokens of the cleaned text, in order."""
    return _tokens(clean(text), drop_stop_words)


def _tokens(cleaned: str, drop_stop_words: bool = True) -> list[str]:
    tokens = raw_tokens(cleaned)
    out = []
    for tok in tokens:
        if tok in _SCOPE_END:
            out.append(tok)  # kept for negation scoping; removed by features() afterwards
        elif _PUNCT_ONLY.match(tok) or (drop_stop_words and tok in STOP_WORDS and not is_negation(tok)):
            continue
        else:
            out.append(tok)
    return out


def mark_negation(tokens: Sequence[str]) -> list[str]:
    """Prefix tokens inside a negation's scope: "wasn't good , but great" -> wasn't NOT_good , but great."""
    out, negated = [], False
    for tok in tokens:
        if tok in _SCOPE_END:
            negated = False
            out.append(tok)
        elif is_negation(tok):
            negated = True
            out.append(tok)
        else:
            out.append(NEGATION_PREFIX + tok if negated else tok)
    return out


def features(text: str | None) -> str:
    """One string of model tokens (negation-marked, no stop words, no clause punctuation)."""
    return _features(clean(text))


def _features(cleaned: str) -> str:
    marked = mark_negation(_tokens(cleaned))
    return " ".join(t for t in marked if t not in _SCOPE_END or t in {"!", "?"})


def features_many(texts: Iterable[str | None]) -> list[str]:
    return [features(t) for t in texts]


@lru_cache(maxsize=1)
def vader() -> Any:
    """NLTK's VADER analyser on the lexicon shipped by the vaderSentiment package (nothing downloaded)."""
    import os

    import nltk
    import vaderSentiment
    from nltk.sentiment import SentimentIntensityAnalyzer

    folder = os.path.dirname(vaderSentiment.__file__)
    if folder not in nltk.data.path:
        nltk.data.path.append(folder)  # NLTK only opens resources under its data path
    return SentimentIntensityAnalyzer(lexicon_file="vader_lexicon.txt")


def vader_compound(texts: Iterable[str | None]) -> list[float]:
    """VADER's compound score (-1 most negative .. +1 most positive) per text."""
    analyser = vader()
    return [analyser.polarity_scores(clean(t))["compound"] for t in texts]


@dataclass(frozen=True)
class Analysed:
    """Texts cleaned once, with their model tokens and VADER compound scores, in input order."""

    cleaned: list[str]
    tokens: list[str]
    vader_compound: list[float]


def analyse(texts: Iterable[str | None]) -> Analysed:
    """Clean each text once, then tokens and VADER from the cleaned text: what silver stores and the
    API returns, computed by one function."""
    cleaned = [clean(t) for t in texts]
    analyser = vader()
    return Analysed(
        cleaned, [_features(c) for c in cleaned], [analyser.polarity_scores(c)["compound"] for c in cleaned]
    )


def vader_label(compound: float, threshold: float = 0.05) -> str:
    """The conventional VADER cut-offs: >= 0.05 positive, <= -0.05 negative, else neutral."""
    if compound >= threshold:
        return "positive"
    if compound <= -threshold:
        return "negative"
    return "neutral"
