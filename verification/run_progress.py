"""A verification run's progress as the shared snapshot (smartnotes.progress).

Every page that shows a run while it runs (the demo, the instructor report, a
student's draft check) asks `run_snapshot`; the claims in it are rendered with the
claim partial the finished report uses (templates/analytics/_claim.html), with the
effective verdicts of verification.reports, in the order the worker decided them.
"""

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string

from smartnotes.progress import ClaimFragment, Snapshot, State
from verification.models import ClaimResult, VerificationRun
from verification.presentation import LABEL_NAMES
from verification.reports import claims_arrived

STATES: dict[str, State] = {
    VerificationRun.Status.PENDING: "queued",
    VerificationRun.Status.RUNNING: "running",
    VerificationRun.Status.DONE: "done",
    VerificationRun.Status.FAILED: "failed",
}
# The worker's stage names (verification.services, the engine's progress callback)
# in words a student or an instructor reads.
STAGE_WORDS = {
    "": "Waiting for a worker",
    "starting": "Starting",
    "retrying": "Trying again after an error",
    "reading the essay": "Reading the essay",
    "indexing materials": "Reading the course materials",
    "claims": "Finding the claims",
    "retrieval": "Finding evidence in the course materials",
    "scoring": "Checking claims against the evidence",
    "verdicts": "Deciding the verdicts",
    "done": "Finished",
    "failed": "Stopped",
}
# Long enough for any run (the demo's time limit is minutes); it is only a hint.
TOTAL_TTL_S = 6 * 3600


def _total_key(run_id: int) -> str:
    return f"verification:run-claims-total:{run_id}"


def claims_total_set(*, run_id: int, total: int) -> None:
    cache.set(_total_key(run_id), total, timeout=TOTAL_TTL_S)


def claims_total_get(*, run_id: int) -> int | None:
    value = cache.get(_total_key(run_id))
    return value if isinstance(value, int) else None


def stage_words(run: VerificationRun) -> str:
    return STAGE_WORDS.get(run.stage, run.stage.capitalize())


def claim_fragment(
    claim: ClaimResult, *, request: HttpRequest, staff: bool = False
) -> ClaimFragment:
    """One claim (decorated by verification.reports) as the finished report shows it."""
    context = {"c": claim, "staff": staff, "labels": list(LABEL_NAMES.items())}
    html = render_to_string("analytics/_claim.html", context, request=request)
    return {"id": f"claim-{claim.claim_index}", "html": html.strip()}


def _message(run: VerificationRun, state: State, checked: int, total: int | None) -> str:
    if state == "failed":
        return run.error_message or "The check stopped before it finished."
    if state == "done":
        return f"Finished: {checked} claim{'' if checked == 1 else 's'} checked."
    if state == "queued":
        return "Waiting for a worker to start the check."
    if total is not None:
        return f"{checked} of {total} claims checked."
    return f"{checked} claim{'' if checked == 1 else 's'} checked."


def run_snapshot(run: VerificationRun, *, request: HttpRequest, staff: bool = False) -> Snapshot:
    """The run as the progress mechanism shows it. The caller has checked who may see it."""
    state = STATES.get(run.status, "queued")
    claims = claims_arrived(run.pk)
    checked = len(claims)
    total = checked if state == "done" else claims_total_get(run_id=run.pk)
    if total is not None:
        total = max(total, checked)
    return {
        "state": state,
        "progress": 1.0 if state == "done" else round(max(0.0, min(1.0, run.progress)), 3),
        "stage": stage_words(run),
        "checked": checked,
        "total": total,
        "claims": [claim_fragment(c, request=request, staff=staff) for c in claims],
        "message": _message(run, state, checked, total),
    }
