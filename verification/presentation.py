"""How a verdict is shown, in one place: its name, the word in a Canvas comment, its
icon (never colour alone), its colour, the "most important first" order and the
claim numbers. The Canvas comment, the Asset Report, every page, the demo and the
CSV export read these; nothing else defines them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    label: str
    name: str  # "Partially supported"
    word: str  # "PARTIALLY SUPPORTED", as the plain-text comment shouts it
    icon: str
    colour: str
    # Order among verdicts, most important first.
    rank: int


VERDICTS: dict[str, Verdict] = {
    v.label: v
    for v in (
        Verdict("contradicted", "Contradicted", "CONTRADICTED", "✗", "#a11a1a", 0),
        Verdict(
            "partially_supported", "Partially supported", "PARTIALLY SUPPORTED", "◐", "#a36700", 1
        ),
        Verdict(
            "not_enough_evidence", "Not enough evidence", "NOT ENOUGH EVIDENCE", "?", "#3d4757", 2
        ),
        Verdict("supported", "Supported", "SUPPORTED", "✓", "#17663a", 3),
    )
}
# Summary and filter order (the counts line, the charts, the CSV columns).
LABELS = ("supported", "partially_supported", "contradicted", "not_enough_evidence")
LABEL_NAMES = {label: VERDICTS[label].name for label in LABELS}
LABEL_COLOURS = {label: VERDICTS[label].colour for label in LABELS}
LABEL_ICONS = {label: VERDICTS[label].icon for label in LABELS}
# Below this, an uncorrected verdict is shown as uncertain and ranked before confident ones.
LOW_CONFIDENCE = 0.5


def verdict(label: str) -> Verdict:
    return VERDICTS.get(label) or Verdict(label, label, label.upper(), "•", "#3d4757", 9)


def claim_number(claim_index: int) -> int:
    """The number a claim carries everywhere: its place in the essay, from 1. It does not
    change when an instructor corrects a verdict, so "claim 2" means one claim for good."""
    return claim_index + 1


def importance_key(
    *,
    label: str,
    is_conflicting: bool,
    confidence: float,
    claim_index: int,
    is_corrected: bool = False,
) -> tuple[int, int, float, int]:
    """The one "most important first" order: contradicted, then conflicting evidence,
    then uncertain verdicts, then partially supported, not enough evidence, supported;
    within a group the less confident first, then essay order. An instructor's
    correction is certain, whatever the model's confidence was."""
    if label == "contradicted":
        group = 0
    elif is_conflicting and not is_corrected:
        group = 1
    elif confidence < LOW_CONFIDENCE and not is_corrected:
        group = 2
    else:
        group = 3
    certainty = 1.0 if is_corrected else confidence
    return group, verdict(label).rank, certainty, claim_index
