"""The offline recogniser's tour language model (realty.processing.language_model)."""

from __future__ import annotations

import math
import re

import pytest

from realty.processing import language_model


def _arpa(text: str) -> dict[int, dict[tuple[str, ...], tuple[float, float]]]:
    grams: dict[int, dict[tuple[str, ...], tuple[float, float]]] = {}
    order = 0
    for line in text.splitlines():
        if heading := re.fullmatch(r"\\(\d)-grams:", line):
            order = int(heading.group(1))
            grams[order] = {}
        elif order and line and not line.startswith("\\"):
            fields = line.split("\t")
            grams[order][tuple(fields[1].split())] = (float(fields[0]), float(fields[2]) if len(fields) > 2 else 0.0)
    return grams


def _prob(grams, history: tuple[str, ...], word: str) -> float:
    """P(word | history) the way a decoder reads an ARPA model: the n-gram, or back off."""
    key = (*history, word)
    if key in grams.get(len(key), {}):
        return 10 ** grams[len(key)][key][0]
    backoff = 10 ** grams[len(history)][history][1] if history in grams.get(len(history), {}) else 1.0
    return backoff * _prob(grams, history[1:], word)


SENTENCES = [["is", "there", "a", "garage"], ["there", "is", "a", "crack"], ["is", "there", "mold"]]


@pytest.mark.parametrize("history", [("<s>",), ("there",), ("<s>", "is"), ("is", "there"), ("a",), ("crack",)])
def test_after_any_history_the_words_probabilities_sum_to_one(history):
    grams = _arpa(language_model.build_arpa(SENTENCES))
    vocabulary = [w for (w,) in grams[1] if w != "<s>"]

    assert math.isclose(sum(_prob(grams, history, w) for w in vocabulary), 1.0, rel_tol=1e-3)


def test_what_tours_say_is_likelier_than_what_they_do_not():
    grams = _arpa(language_model.build_arpa(SENTENCES))

    assert _prob(grams, ("is", "there"), "a") > _prob(grams, ("is", "there"), "crack")


def test_the_corpus_is_spoken_words_only_and_every_word_is_known_to_the_recogniser():
    from pocketsphinx import Decoder

    sentences = language_model.corpus_sentences(language_model.CORPUS.read_text())
    decoder = Decoder(lm=None, loglevel="FATAL")
    for word, phones in language_model.EXTRA_WORDS.items():
        decoder.add_word(word, phones)
    unknown = sorted({w for s in sentences for w in s if decoder.lookup_word(w) is None})

    assert len(sentences) > 150
    assert unknown == []


def test_the_model_file_is_built_once_and_rebuilt_when_the_corpus_changes(tmp_path, monkeypatch):
    corpus = tmp_path / "tour_language.txt"
    corpus.write_text("is there a garage\n")
    monkeypatch.setattr(language_model, "CORPUS", corpus)
    monkeypatch.setattr(language_model.tempfile, "tempdir", str(tmp_path))
    language_model.tour_model_path.cache_clear()
    try:
        first = language_model.tour_model_path()
        language_model.tour_model_path.cache_clear()
        assert language_model.tour_model_path() == first
        corpus.write_text("is there a garage\nthere is a crack\n")
        language_model.tour_model_path.cache_clear()
        second = language_model.tour_model_path()
    finally:
        language_model.tour_model_path.cache_clear()

    assert second != first
    assert "crack" in second.read_text() and "crack" not in first.read_text()
    assert not list(tmp_path.glob("*.part"))
