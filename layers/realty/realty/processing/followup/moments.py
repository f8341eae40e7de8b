"""Moments of a tour: links that open the web app's results page there, and which moment a sentence of
the summary is about (the summary's items carry no time; the highlights do)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from realty.core.config import get_settings

if TYPE_CHECKING:
    from realty.tours.models import Highlight

_WORD = re.compile(r"[a-z][a-z']+")
# Words too common in tour talk to say what a sentence is about.
_STOPWORDS_TEXT = """a about above after again all also am an and any are as at be been before being below both
    but by can
    could did do does doing down during each few for from further had has have having he her here hers him his
    how i if in into is it its just like liked likes me more most my no nor not now of off on once only or other
    our out over own really same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom why will with
    would you your yours buyer buyers realtor seller house home property place one lot much nice good great
    think thought asked asks ask said says wants want wanted looks look looked seems seem might maybe need needs
    whether there's it's that's let's i'm i'd we'd you're they're going get got"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def moment_link(tour_id: str, timestamp_ms: int | None = None) -> str:
    """The tour's results page in the web app (its origin is the API's allowed origin), at `t` ms."""
    base = get_settings().allowed_origin.rstrip("/")
    link = f"{base}/tours/{quote(tour_id, safe='')}/results"
    return f"{link}?t={int(timestamp_ms)}" if timestamp_ms is not None else link


def words(text: str) -> set[str]:
    """The words of `text` that say what it is about (lower-cased, no stopwords, a crude plural cut)."""
    found = set()
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or len(word) < 3:
            continue
        found.add(word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 4 else word)
    return found


def best_moment(text: str, highlights: Sequence[Highlight]) -> Highlight | None:
    """The highlight `text` (an item of the summary) most likely describes: the most shared words
    with its note and quote, at least two (or one, for a short item); None when nothing fits."""
    own = words(text)
    if not own:
        return None
    needed = 1 if len(own) <= 2 else 2
    best: tuple[int, Highlight] | None = None
    for highlight in highlights:
        shared = len(own & words(f"{highlight.note} {highlight.quote}"))
        if shared >= needed and (best is None or shared > best[0]):
            best = (shared, highlight)
    return best[1] if best else None


def from_buyer_side(highlight: Highlight) -> bool:
    """A moment that may show the buyer's reaction: said by the buyer, or by someone not identified
    (highlights made before speakers were labelled say nothing). The realtor's own pitch is not."""
    return highlight.speaker is None or highlight.speaker.value != "realtor"
