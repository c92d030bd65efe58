"""Templated pairs for requirement statements and "not ... without" (double negation).

"X requires Y" and "X doesn't work without Y" say the same thing, but the
training pool almost never shows a negated "without" clause that is entailed,
so a small model reads the negation as a contradiction. These templates teach
the equivalence (and its contradictions and neutrals) over everyday subjects.
The sentences of the shipped-model test (photosynthesis, light) are
deliberately absent, so that test checks generalisation, not recall.
"""

from __future__ import annotations

import random

from verification.training.datasets import NliLabel, NliPair

# subject, plural?, verb phrase (base), verb phrase (3rd person), what it needs, something else
_FACTS: tuple[tuple[str, bool, str, str, str, str], ...] = (
    ("Fire", False, "burn", "burns", "oxygen", "wood"),
    ("A car engine", False, "run", "runs", "fuel", "oil changes"),
    ("Bread dough", False, "rise", "rises", "yeast", "salt"),
    ("A laptop", False, "work", "works", "electricity", "a mouse"),
    ("Most plants", True, "grow", "grow", "water", "fertilizer"),
    ("A sailboat", False, "move", "moves", "wind", "a crew"),
    ("The human body", False, "function", "functions", "vitamins", "exercise"),
    ("A radio", False, "work", "works", "batteries", "an antenna"),
    ("Fish", True, "survive", "survive", "water", "plants"),
    ("Concrete", False, "set", "sets", "water", "sand"),
    ("The vaccine", False, "work", "works", "refrigeration", "a booster"),
    ("A compass", False, "work", "works", "a magnetic field", "a map"),
    ("Rust", False, "form", "forms", "moisture", "salt"),
    ("Muscles", True, "grow", "grow", "protein", "sleep"),
    ("Bees", True, "make honey", "make honey", "nectar", "sunshine"),
    ("A website", False, "load", "loads", "an internet connection", "a fast browser"),
    ("Wine", False, "ferment", "ferments", "yeast", "oak barrels"),
    ("The printer", False, "print", "prints", "ink", "paper trays"),
    ("A candle", False, "burn", "burns", "a wick", "a holder"),
    ("Ice", False, "melt", "melts", "heat", "wind"),
    ("Cells", True, "divide", "divide", "energy", "signals"),
    ("An electric car", False, "drive", "drives", "a charged battery", "a navigation system"),
    ("Vision", False, "work", "works", "a functioning retina", "glasses"),
    ("Mammals", True, "breathe", "breathe", "lungs", "a nose"),
)

_PREMISES_NEEDS = (
    "{S} requires {O}.",
    "{S} {need} {O} to {V}.",
    "{S} can only {V} with {O}.",
    "{S} cannot {V} without {O}.",
    "Without {O}, {s} cannot {V}.",
    "{S} {depend} on {O}.",
)
_PREMISES_NO_NEED = (
    "{S} {V3} perfectly well without {O}.",
    "{S} {doesnt} need {O} to {V}.",
    "{S} can {V} without {O}.",
)
_HYPOTHESES: dict[str, tuple[tuple[str, NliLabel], ...]] = {
    # label when the premise says S needs O; flipped (E<->C) when it says S does not.
    "needs": (
        ("{S} {doesnt} {V} without {O}.", "entailment"),
        ("{S} {does_not} {V} without {O}.", "entailment"),
        ("{S} cannot {V} without {O}.", "entailment"),
        ("{S} won't {V} without {O}.", "entailment"),
        ("{S} {need} {O}.", "entailment"),
        ("{O_cap} is needed for {s} to {V}.", "entailment"),
        ("{S} {V3} without {O}.", "contradiction"),
        ("{S} can {V} without {O}.", "contradiction"),
        ("{S} {doesnt} need {O}.", "contradiction"),
        ("{S} {does_not} require {O}.", "contradiction"),
        ("{S} {need} {X}.", "neutral"),
        ("{S} {V3} better with {X}.", "neutral"),
    )
}
_FLIP: dict[NliLabel, NliLabel] = {
    "entailment": "contradiction",
    "contradiction": "entailment",
    "neutral": "neutral",
}


def _slots(fact: tuple[str, bool, str, str, str, str]) -> dict[str, str]:
    subject, plural, verb, verb_3s, needed, other = fact
    return {
        "S": subject,
        "s": subject[0].lower() + subject[1:],
        "V": verb,
        "V3": verb_3s,
        "O": needed,
        "O_cap": needed[0].upper() + needed[1:],
        "X": other,
        "need": "need" if plural else "needs",
        "depend": "depend" if plural else "depends",
        "doesnt": "don't" if plural else "doesn't",
        "does_not": "do not" if plural else "does not",
    }


def requirement_pairs(count: int, seed: int) -> list[NliPair]:
    """``count`` seeded pairs about "X needs Y" / "X doesn't V without Y".

    >>> pairs = requirement_pairs(3, seed=0)
    >>> len(pairs), {p.source for p in pairs}
    (3, {'requirement_templates'})
    """
    rng = random.Random(seed)  # noqa: S311 (seeded data generation, not security)
    combos: list[NliPair] = []
    for fact in _FACTS:
        slots = _slots(fact)
        for needs, premises in ((True, _PREMISES_NEEDS), (False, _PREMISES_NO_NEED)):
            for premise in premises:
                for hypothesis, label in _HYPOTHESES["needs"]:
                    combos.append(
                        NliPair(
                            premise.format(**slots),
                            hypothesis.format(**slots),
                            label if needs else _FLIP[label],
                            "requirement_templates",
                        )
                    )
    rng.shuffle(combos)
    return combos[:count]
