"""Which claims of the tuning sets may train the NLI model and which fit the verdict decision.

``shared/data/README.md`` allows a committed, seeded half of FM2 dev and WiCE
dev (``bench/quality/tuning_split.json``) and Citation-Integrity train for
training and tuning. Those claims are split once more, by a hash of their id:
60 % train the NLI model, 40 % fit the claim-level verdict decision. A decision
fitted on claims the model trained on would learn to trust scores that are
only that confident in-sample.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

SPLIT_FILE = Path(__file__).resolve().parents[2] / "bench" / "quality" / "tuning_split.json"
DECISION_SHARE = 0.4


def tuning_ids(name: str) -> frozenset[str]:
    """Ids of the tuning half of ``fm2_dev_tuning`` or ``wice_dev_tuning``."""
    return frozenset(json.loads(SPLIT_FILE.read_text(encoding="utf-8"))[name])


def for_decision(dataset: str, claim_id: object) -> bool:
    """True for the claims kept for fitting the verdict decision (never NLI training)."""
    digest = hashlib.sha256(f"{dataset}:{claim_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < DECISION_SHARE
