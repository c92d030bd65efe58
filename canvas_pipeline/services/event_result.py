"""What Canvas gets back for a Live Event, counted by outcome and reason."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from prometheus_client import Counter

logger = structlog.get_logger("canvas_pipeline.services.intake")

EVENTS_TOTAL = Counter(
    "smartnotes_canvas_events_total", "Live Events received, by outcome", ["outcome", "reason"]
)


@dataclass(frozen=True)
class IntakeResult:
    """accepted | duplicate | ignored | rejected; http_status is what Canvas gets."""

    outcome: str
    reason: str
    http_status: int
    job_id: int | None = None


def intake_result(
    outcome: str, reason: str, http_status: int, job_id: int | None = None
) -> IntakeResult:
    EVENTS_TOTAL.labels(outcome=outcome, reason=reason).inc()
    log = logger.warning if outcome == "rejected" else logger.debug
    log("canvas.event." + outcome, reason=reason, job_id=job_id)
    return IntakeResult(outcome, reason, http_status, job_id)
