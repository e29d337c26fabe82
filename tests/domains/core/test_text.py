"""Shared text handling: tokens, negation scope and VADER on known sentences, with downloads forbidden."""

from __future__ import annotations

import pytest

from domains.core import text


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    import nltk

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("nltk.download() was called; nothing may be downloaded at run time")

    monkeypatch.setattr(nltk, "download", refuse)


def test_clean_drops_markup_urls_and_extra_space() -> None:
    assert (
        text.clean("Great &amp; cheap <b>food</b>  see https://x.example/menu  now")
        == "Great & cheap food see now"
    )
    assert text.clean(None) == "" and text.clean("") == ""


def test_tokenize_keeps_emoji_negations_and_emphasis() -> None:
    tokens = text.tokenize("The pasta was NOT good!!! 😡 @owner sooooo slow")
    assert tokens == ["pasta", "not", "good", "!", "!", "!", "😡", "sooo", "slow"]


def test_stop_words_go_but_negations_stay() -> None:
    assert text.tokenize("It was the best of the best") == ["best", "best"]
    assert "not" in text.tokenize("it is not what we ordered")
    assert "wasn't" in text.tokenize("it wasn't what we ordered")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("the food wasn't good, but the staff were great", "food wasn't NOT_good staff great"),
        ("not bad at all", "not NOT_bad"),
        ("never coming back. terrible", "never NOT_coming NOT_back terrible"),
        ("no complaints but slow service", "no NOT_complaints slow service"),
        ("good food", "good food"),
    ],
)
def test_negation_scope_ends_at_clause_boundaries(sentence: str, expected: str) -> None:
    assert text.features(sentence) == expected


def test_vader_scores_known_sentences_offline() -> None:
    positive, negative, neutral = text.vader_compound(
        ["Absolutely loved it, best pasta in town!", "The food was not good at all :(", "We ate at 7."]
    )
    assert positive > 0.5 and negative < -0.3 and abs(neutral) < 0.05
    assert [text.vader_label(v) for v in (positive, negative, neutral)] == ["positive", "negative", "neutral"]


def test_tokens_agree_with_nltk_tweet_tokenizer_on_reviews() -> None:
    from nltk.tokenize import TweetTokenizer

    from domains.restaurant.source import generate_day

    reference = TweetTokenizer(preserve_case=False, reduce_len=True, strip_handles=True)
    reviews = [text.clean(t) for t in generate_day("2026-11-05", 3000).table.column("text").to_pylist()]
    reviews += ["The pasta was NOT good!!! 😡 @owner sooooo slow", "it wasn't what we ordered :( so-so :-)"]
    differ = [r for r in reviews if text.raw_tokens(r) != reference.tokenize(r)]
    assert len(differ) <= len(reviews) * 0.001, differ[:5]


def test_numbers_ellipses_and_curly_apostrophes_stay_whole() -> None:
    assert text.raw_tokens("don’t pay 10.5 dollars... ok") == ["don’t", "pay", "10.5", "dollars", "...", "ok"]
