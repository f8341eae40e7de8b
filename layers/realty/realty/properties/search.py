"""Free-text search of listings without a search cluster: words, the terms they are indexed under.

A listing's searchable text is its address, city and description. It is reduced to words (case,
accents and punctuation do not matter), and each distinct word gives one *term*: its first
`TERM_CHARS` characters. While a listing is active, the store keeps one small search item per term
(`SEARCH#W#<term>`), plus one for every active listing (`SEARCH#ALL`) and one for its city
(`SEARCH#CITY#<city>`), written in the same transaction as the listing itself. Each search item
carries the listing's words, price, bedrooms and city, so a query reads one term partition and
filters the rest: the query's longest word picks the partition, and every query word must be the
prefix of one of the listing's words.

The number of terms a listing is indexed under is bounded (`MAX_TERMS`) so that any edit of a
listing (old terms removed, new ones written, the listing, its MLS claims and the audit item) fits
in one transaction of at most 100 actions. Address and city words come first; a very long
description's late words beyond the bound still match as additional query words (they are in the
words every search item carries), but cannot be the query's longest word on their own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum

TERM_CHARS = 3
# Search items a listing has at most: (100 - 4 other actions) / 2, since an edit may delete every
# old item and put every new one in the same transaction.
MAX_TERMS = 45
MAX_QUERY_WORDS = 8
MAX_QUERY_CHARS = 200

_WORD = re.compile(r"\w+")


class SearchSort(StrEnum):
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


def words(text: str) -> list[str]:
    """The words of a text, lower-cased and without accents, in order, each once."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return list(dict.fromkeys(_WORD.findall(plain)))


def listing_words(address: str, city: str, description: str) -> list[str]:
    """Every word of a listing, address and city first (those are always indexed)."""
    return list(dict.fromkeys([*words(address), *words(city), *words(description)]))


def word_text(found: Iterable[str]) -> str:
    """The words as stored on a search item: each preceded by a space, so that `contains(words, " kit")`
    is true exactly when one word starts with "kit"."""
    return "".join(f" {w}" for w in found)


def term(word: str) -> str | None:
    """The term a word is indexed under; words shorter than a term are only matched by filter."""
    return word[:TERM_CHARS] if len(word) >= TERM_CHARS else None


def listing_terms(found: Iterable[str], *, budget: int) -> list[str]:
    """The distinct terms of a listing's words, in word order, at most `budget` of them."""
    terms: list[str] = []
    for word in found:
        t = term(word)
        if t is not None and t not in terms:
            terms.append(t)
            if len(terms) == budget:
                break
    return terms


def driving_word(query_words: list[str]) -> str | None:
    """The query word whose term partition is read: the longest (likely the fewest listings), or None
    when no word is long enough to have a term."""
    indexed = [w for w in query_words if term(w) is not None]
    return max(indexed, key=len) if indexed else None
