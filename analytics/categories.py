"""Mistake categories for claims: a small pure module (no Django imports).

A claim's category comes first from the engine's reason codes (stored in
``ClaimResult.detail["reasons"]``), then from cues in the claim text. The order
matters: a claim about "1779" that also says "not" is a numbers mistake first,
because that is what the student should re-check.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

Category = Literal["dates_numbers", "negation", "cause_effect", "definitions", "other"]

CATEGORY_LABELS: dict[str, str] = {
    "dates_numbers": "Dates and numbers",
    "negation": "Negation",
    "cause_effect": "Cause and effect",
    "definitions": "Definitions",
    "other": "Other facts",
}

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_NUMBER = re.compile(
    rf"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|"
    rf"billion|percent|century|decade|{_MONTHS})\b",
    re.I,
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot|lacks?)\b|n't\b", re.I
)
_CAUSE = re.compile(
    r"\b(?:because|causes?|caused|causing|leads? to|led to|results? in|resulted in|due to|"
    r"therefore|thus|hence|so that|produces?|triggers?|prevents?|effect of|consequence)\b",
    re.I,
)
_DEFINITION = re.compile(
    r"\b(?:is defined as|is called|are called|means|refers to|is known as|is a|is an|is the|"
    r"are the|consists? of|is made of|is a type of|is a kind of)\b",
    re.I,
)
_REASON_CATEGORY: dict[str, Category] = {
    "number_mismatch": "dates_numbers",
    "negation": "negation",
}


def reason_codes(detail: Mapping[str, Any] | None) -> list[str]:
    """The reason codes stored in a claim's detail JSON (tolerates old shapes)."""
    reasons = (detail or {}).get("reasons") or []
    codes = []
    for reason in reasons:
        if isinstance(reason, Mapping):
            codes.append(str(reason.get("code", "")))
        elif isinstance(reason, str):
            codes.append(reason)
    return codes


def categorise(text: str, codes: Iterable[str] = ()) -> Category:
    """The mistake category of one claim.

    >>> categorise("The war ended in 1815.")
    'dates_numbers'
    >>> categorise("Plants do not need light.", ["negation"])
    'negation'
    """
    for code in codes:
        if code in _REASON_CATEGORY:
            return _REASON_CATEGORY[code]
    if _NUMBER.search(text):
        return "dates_numbers"
    if _NEGATION.search(text):
        return "negation"
    if _CAUSE.search(text):
        return "cause_effect"
    if _DEFINITION.search(text):
        return "definitions"
    return "other"


def category_counts(items: Iterable[tuple[str, Iterable[str]]]) -> list[tuple[str, str, int]]:
    """(category, label, count) for (text, codes) pairs, most frequent first, zeros left out."""
    counts: dict[str, int] = {}
    for text, codes in items:
        category = categorise(text, codes)
        counts[category] = counts.get(category, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], list(CATEGORY_LABELS).index(kv[0])))
    return [(c, CATEGORY_LABELS[c], n) for c, n in ordered]
