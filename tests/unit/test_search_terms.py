"""The words and terms a listing is indexed under, and the query word a search reads by."""

from __future__ import annotations

from realty.properties import search


def test_words_ignore_case_accents_punctuation_and_repeats():
    assert search.words("Élan  AVENUE, élan's café!") == ["elan", "avenue", "s", "cafe"]


def test_stored_words_make_contains_a_prefix_match():
    text = search.word_text(["garden", "pool"])
    assert " gar" in text
    assert " ool" not in text, "the middle of a word never matches"


def test_terms_are_bounded_and_address_and_city_come_first():
    description = " ".join(f"{chr(97 + n // 26)}{chr(97 + n % 26)}x{n}" for n in range(200))
    found = search.listing_words("12 Maple Ave", "Austin", description)
    terms = search.listing_terms(found, budget=10)
    assert terms[:3] == ["map", "ave", "aus"], "a word shorter than a term (12) has none"
    assert len(terms) == 10


def test_the_longest_query_word_drives_the_search():
    assert search.driving_word(["ave", "kitchen", "nw"]) == "kitchen"
    assert search.driving_word(["nw", "12"]) is None
