"""LTI Asset Processor + Platform Notification Service (Canvas "Document Processor").

Intake (signed submission notices) and publishing (Asset Reports) for the jobs of
``canvas_pipeline``: one ``SubmissionJob`` per attempt whichever path notified
first, the same verification, and the same exactly-once comment. See
docs/asset-processor.md and docs/decisions/0006-asset-processor.md.
"""
