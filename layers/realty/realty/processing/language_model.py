"""The offline recogniser's language model: a trigram model of home-tour speech.

pocketsphinx's stock model is trained on news and dictation; on a tour it hears "crack" as
"tracking" and "mold" as "old". Tours use a narrow language (rooms, repairs, prices, next steps),
so a model built from lines of it (`tour_language.txt`) makes those words the likely ones. The
model is an ARPA trigram with interpolated absolute discounting, written once (under 0.1 s for a few
hundred lines) and read by the decoder with the stock dictionary.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache
from itertools import pairwise
from pathlib import Path

CORPUS = Path(__file__).with_name("tour_language.txt")
# Absolute discount: the count mass each seen n-gram lends to its lower order (0.5-0.8 is usual).
DISCOUNT = 0.7
BEGIN, END = "<s>", "</s>"
_WORD = re.compile(r"[a-z']+")
# Tour words the stock dictionary lacks, in its phones (ARPAbet): added to the decoder's dictionary.
EXTRA_WORDS = {"hoa": "EY CH OW EY"}


def corpus_sentences(text: str) -> list[list[str]]:
    """The corpus's utterances as words: one a line, `#` lines are comments."""
    lines = (line.strip().lower() for line in text.splitlines())
    return [_WORD.findall(line) for line in lines if line and not line.startswith("#")]


def _log10(p: float) -> str:
    return f"{math.log10(p):.4f}"


def build_arpa(sentences: Iterable[list[str]], *, discount: float = DISCOUNT) -> str:
    """An ARPA trigram model of the sentences: each order interpolated with the one below by
    absolute discounting, so a word seen after a history keeps most of its count and every word
    of the vocabulary keeps some probability after any history (the backoff weight)."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    trigrams: Counter[tuple[str, str, str]] = Counter()
    for words in sentences:
        if not words:
            continue
        tokens = [BEGIN, *words, END]
        unigrams.update(tokens[1:])
        bigrams.update(pairwise(tokens))
        trigrams.update(zip(tokens, tokens[1:], tokens[2:], strict=False))
    if not unigrams:
        raise ValueError("the corpus has no words")
    vocabulary = sorted(unigrams)
    total = sum(unigrams.values())
    # Unigrams: discounted counts plus the discounted mass spread evenly over the vocabulary.
    spread = discount * len(vocabulary) / total / len(vocabulary)
    p1 = {w: (unigrams[w] - discount) / total + spread for w in vocabulary}

    def interpolated(counts: dict[str, int]) -> tuple[dict[str, float], float]:
        """Discounted relative frequencies of a history's followers and the weight left for the
        lower order (the ARPA backoff weight, since the lower order is itself complete)."""
        seen = sum(counts.values())
        return {w: (c - discount) / seen for w, c in counts.items()}, discount * len(counts) / seen

    followers: dict[str, dict[str, int]] = defaultdict(dict)
    for (v, w), c in bigrams.items():
        followers[v][w] = c
    p2: dict[tuple[str, str], float] = {}
    bow1: dict[str, float] = {}
    for v, counts in followers.items():
        shares, bow1[v] = interpolated(counts)
        for w, share in shares.items():
            p2[(v, w)] = share + bow1[v] * p1[w]

    def bigram(v: str, w: str) -> float:
        return p2.get((v, w), bow1.get(v, 1.0) * p1[w])

    continuations: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (u, v, w), c in trigrams.items():
        continuations[(u, v)][w] = c
    p3: dict[tuple[str, str, str], float] = {}
    bow2: dict[tuple[str, str], float] = {}
    for (u, v), counts in continuations.items():
        shares, bow2[(u, v)] = interpolated(counts)
        for w, share in shares.items():
            p3[(u, v, w)] = share + bow2[(u, v)] * bigram(v, w)

    lines = ["\\data\\", f"ngram 1={len(vocabulary) + 1}", f"ngram 2={len(p2)}", f"ngram 3={len(p3)}", "", "\\1-grams:"]
    # <s> is never predicted (-99 by convention) but is a history, so it carries a backoff weight.
    lines.append(f"-99.0000\t{BEGIN}\t{_log10(bow1[BEGIN])}")
    for w in vocabulary:
        lines.append(f"{_log10(p1[w])}\t{w}" + (f"\t{_log10(bow1[w])}" if w in bow1 else ""))
    lines += ["", "\\2-grams:"]
    for (v, w), p in sorted(p2.items()):
        lines.append(f"{_log10(p)}\t{v} {w}" + (f"\t{_log10(bow2[(v, w)])}" if (v, w) in bow2 else ""))
    lines += ["", "\\3-grams:"]
    lines += [f"{_log10(p)}\t{u} {v} {w}" for (u, v, w), p in sorted(p3.items())]
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


@cache
def tour_model_path() -> Path:
    """The tour language model as an ARPA file in the temporary folder (Lambda's /tmp is the only
    writable place), named by what it is built from: written once per machine and corpus, reused by
    every later process (the local stack starts one per invocation), rebuilt when the corpus changes."""
    text = CORPUS.read_text()
    digest = hashlib.sha256(f"{DISCOUNT}\n{text}".encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"tour-lm-{digest}.arpa"
    if not path.is_file():
        # Written beside and renamed into place: a process reading it never sees half a file.
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".part", delete=False) as part:
            part.write(build_arpa(corpus_sentences(text)))
        os.replace(part.name, path)
    return path
