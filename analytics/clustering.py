"""Near-duplicate grouping of claim texts: a small pure module (no Django imports).

Cheap on purpose: the database first groups exact (case-folded) duplicates and
counts them; this module merges the most frequent groups whose normalised token
sets overlap (Jaccard >= threshold), so "Mitochondria are in the chloroplasts"
and "the mitochondria is in chloroplasts." land in one cluster.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the is are was were be been of in on at to for and or by with as it its this that "  # noqa: SIM905 - a word list reads better as one string
    "these those from get gets got "
    # Hedges and lead-ins students add around the same claim.
    "clearly fact well known we learned mostly also very really think believe".split()
)
# Verbs students swap for one another without changing the claim.
_SYNONYMS = {"happen": "occur", "happens": "occur", "occurs": "occur", "occurred": "occur"}
_PHRASES = re.compile(r"\btakes? place\b|\btook place\b")


def tokens(text: str) -> frozenset[str]:
    """Lower-cased word tokens without stop words, with a crude plural fold."""
    out = set()
    for tok in _TOKEN.findall(_PHRASES.sub("occur", text.lower())):
        if tok in _STOP:
            continue
        tok = _SYNONYMS.get(tok, tok)
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.add(tok)
    return frozenset(out)


def similar(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Token Jaccard at least `threshold`, and the same numbers: "1879" and "1779"
    are different mistakes however alike the rest is."""
    numbers_a = {t for t in a if t.isdigit()}
    numbers_b = {t for t in b if t.isdigit()}
    return numbers_a == numbers_b and jaccard(a, b) >= threshold


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass
class Cluster:
    text: str  # the most frequent wording, shown to the instructor
    count: int  # claims in the cluster
    students: int  # students who made one of them (summed per wording: an upper bound)
    variants: list[str] = field(default_factory=list)
    _tokens: frozenset[str] = frozenset()


def cluster_texts(
    groups: Iterable[tuple[str, int, int]], *, threshold: float = 0.6, limit: int = 10
) -> list[Cluster]:
    """Merge (text, count, students) groups, most frequent first, into clusters.

    Greedy: each group joins the first cluster whose representative it overlaps
    enough, else starts a new one. O(groups x clusters); the caller caps groups.
    """
    clusters: list[Cluster] = []
    for text, count, students in sorted(groups, key=lambda g: -g[1]):
        toks = tokens(text)
        for cluster in clusters:
            if similar(toks, cluster._tokens, threshold):
                cluster.count += count
                cluster.students += students
                if len(cluster.variants) < 5:
                    cluster.variants.append(text)
                break
        else:
            clusters.append(Cluster(text, count, students, [], toks))
    clusters.sort(key=lambda c: -c.count)
    return clusters[:limit]
