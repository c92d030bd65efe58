"""Writes of the Canvas pipeline, by sub-domain (STYLE.md §1: split when it grows).

Public services other apps call:
    job_approve(job_id=, user=)   post a comment held for instructor review
    job_retry(job_id=)            start a failed job again
"""

from canvas_pipeline.services.posting import job_approve, job_retry

__all__ = ["job_approve", "job_retry"]
