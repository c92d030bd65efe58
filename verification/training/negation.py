"""Negation-flip augmentation: teach that a negation word does not mean "contradiction".

In the training pool a negated hypothesis is mostly a contradiction (FEVER-RTE:
690 of 758; SNLI: 273 of 383; MNLI: 1,175 of 2,091), so a small model learns
"not" -> contradiction, and "Photosynthesis doesn't work without light" gets
contradicted by "Photosynthesis requires light". Negating a hypothesis flips
the label in a way that is logically sound for NLI:

* P entails H       -> P contradicts not-H
* P contradicts H   -> P entails not-H (FEVER: gold evidence refutes the claim)
* P is neutral to H -> P is neutral to not-H

Negation is inserted or removed at the first auxiliary (``is`` -> ``is not`` /
``isn't``, ``can't`` -> ``can``) or, for a present-tense verb right after the
subject, with do-support (``rides`` -> ``doesn't ride``). Sentences without
such a verb are skipped. Pure string rules; no parser.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from verification.training.datasets import NliLabel, NliPair

FLIP: dict[NliLabel, NliLabel] = {
    "entailment": "contradiction",
    "contradiction": "entailment",
    "neutral": "neutral",
}
_AUX = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "can",
        "could",
        "will",
        "would",
        "has",
        "have",
        "had",
        "should",
        "may",
        "might",
        "must",
        "does",
        "do",
        "did",
    ]
)
_CONTRACTED = {
    "isn't": "is", "aren't": "are", "wasn't": "was", "weren't": "were", "can't": "can",
    "cannot": "can", "couldn't": "could", "won't": "will", "wouldn't": "would",
    "hasn't": "has", "haven't": "have", "hadn't": "had", "shouldn't": "should",
    "mustn't": "must", "doesn't": "does", "don't": "do", "didn't": "did",
}  # fmt: skip
_CONTRACTABLE = {
    "is": "isn't", "are": "aren't", "was": "wasn't", "were": "weren't", "can": "can't",
    "could": "couldn't", "would": "wouldn't", "has": "hasn't", "have": "haven't",
    "should": "shouldn't", "does": "doesn't", "do": "don't", "did": "didn't",
}  # fmt: skip
_DETERMINERS = frozenset(["a", "an", "the", "this", "that", "one"])
_PRONOUNS = frozenset(["he", "she", "it", "this", "that"])
_NUMBERS = frozenset(["two", "three", "four", "five", "six", "several", "many", "some"])
_NOT_VERBS = frozenset(
    [
        "is",
        "was",
        "has",
        "does",
        "this",
        "his",
        "its",
        "us",
        "as",
        "yes",
        "news",
        "series",
        "species",
    ]
)
_WORD = re.compile(r"^[a-z]+$")
# Only the first few tokens are searched: the main verb of a short hypothesis
# comes early, and a later "is" is usually inside a relative clause.
_MAX_VERB_POSITION = 8


def _match_case(word: str, like: str) -> str:
    return word.capitalize() if like[:1].isupper() else word


def _base_form(verb: str) -> str:
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def _remove_negation(tokens: list[str]) -> list[str] | None:
    for i, token in enumerate(tokens[:_MAX_VERB_POSITION]):
        low = token.lower()
        if low in _CONTRACTED:
            return [*tokens[:i], _match_case(_CONTRACTED[low], token), *tokens[i + 1 :]]
        if low in _AUX and i + 1 < len(tokens) and tokens[i + 1].lower() == "not":
            return [*tokens[: i + 1], *tokens[i + 2 :]]
    return None


def _is_present_verb(tokens: list[str], i: int) -> bool:
    word = tokens[i]
    if not _WORD.match(word) or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return False
    if word in _NOT_VERBS or i == 0:
        return False
    subject = tokens[:i]
    first = subject[0].lower()
    if first in _DETERMINERS or first in _NUMBERS:
        # "A man rides ...": determiner + one lowercase noun.
        return i == 2 and _WORD.match(subject[1]) is not None
    # "Telemundo broadcasts ...", "William Cohen lives ...", "He runs ...".
    return all(t[:1].isupper() for t in subject) or (i == 1 and first in _PRONOUNS)


def _add_negation(tokens: list[str], contract: bool) -> list[str] | None:
    for i, token in enumerate(tokens[:_MAX_VERB_POSITION]):
        low = token.lower()
        if low in _AUX and i > 0:
            if contract and low in _CONTRACTABLE:
                return [*tokens[:i], _match_case(_CONTRACTABLE[low], token), *tokens[i + 1 :]]
            return [*tokens[: i + 1], "not", *tokens[i + 1 :]]
        if _is_present_verb(tokens, i):
            aux = "doesn't" if contract else "does not"
            return [*tokens[:i], *aux.split(), _base_form(token), *tokens[i + 1 :]]
    return None


def negate(sentence: str, *, contract: bool = False) -> str | None:
    """The sentence with its main-clause negation added or removed, or None.

    >>> negate("Telemundo is a English-language network.")
    'Telemundo is not a English-language network.'
    >>> negate("A man rides a bike.", contract=True)
    "A man doesn't ride a bike."
    >>> negate("The cat can't swim.")
    'The cat can swim.'
    """
    tokens = sentence.split()
    if not tokens:
        return None
    changed = _remove_negation(tokens)
    if changed is None:
        changed = _add_negation(tokens, contract)
    return " ".join(changed) if changed is not None else None


def negation_flipped_pairs(pairs: Sequence[NliPair], count: int, seed: int) -> list[NliPair]:
    """Up to ``count`` pairs with a negated hypothesis and the flipped label.

    Sources are sampled evenly so that FEVER (where the bias is strongest)
    and the 3-way sets are all represented. Only pass training-split pairs.
    """
    rng = random.Random(seed)  # noqa: S311 (seeded data augmentation, not security)
    by_source: dict[str, list[NliPair]] = {}
    for pair in pairs:
        if pair.source in {"mnli", "esnli", "cad", "fever"}:
            by_source.setdefault(pair.source, []).append(pair)
    out: list[NliPair] = []
    per_source = count // max(1, len(by_source))
    for source in sorted(by_source):
        candidates = by_source[source][:]
        rng.shuffle(candidates)
        made = 0
        for pair in candidates:
            if made >= per_source:
                break
            negated = negate(pair.hypothesis, contract=rng.random() < 0.5)
            if negated is None:
                continue
            out.append(NliPair(pair.premise, negated, FLIP[pair.label], source + "_negated"))
            made += 1
    return out
