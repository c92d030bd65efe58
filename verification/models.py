import uuid

from django.db import models


class Corpus(models.Model):
    """A set of evidence materials (a course's, or a demo upload) and its index."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255)
    # Content hash of the passages; changes whenever the materials change.
    version = models.CharField(max_length=64, blank=True)
    # verification.engine CorpusIndex.to_bytes(): passages + embeddings, built once per version.
    index_blob = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "corpora"

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        INGESTED = "ingested"
        FAILED = "failed"

    corpus = models.ForeignKey(Corpus, on_delete=models.CASCADE, related_name="materials")
    file_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127, blank=True)
    data = models.BinaryField()
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    passages = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["corpus", "sha256"], name="material_unique_per_corpus")
        ]

    def __str__(self) -> str:
        return self.file_name


class VerificationRun(models.Model):
    """One verification of one text against one corpus. The row is the source of
    truth; Celery messages only say "look at run N" (STYLE.md §4)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Source(models.TextChoices):
        DEMO = "demo"
        CANVAS = "canvas"
        CLI = "cli"
        # A student's draft check (drafts app): private, never posted to Canvas.
        DRAFT = "draft"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    corpus = models.ForeignKey(Corpus, on_delete=models.PROTECT, related_name="runs")
    source = models.CharField(max_length=16, choices=Source.choices)
    submission_text = models.TextField()
    # An essay file (or pasted text) not read yet: the worker reads it under the
    # input limits and fills submission_text, so web requests never parse files.
    submission_file = models.BinaryField(null=True, blank=True)
    submission_file_name = models.CharField(max_length=255, blank=True)
    submission_content_type = models.CharField(max_length=127, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    stage = models.CharField(max_length=64, blank=True)
    progress = models.FloatField(default=0.0)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    report = models.JSONField(null=True, blank=True)
    report_text = models.TextField(blank=True)
    model_version = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class ClaimResult(models.Model):
    class Label(models.TextChoices):
        SUPPORTED = "supported"
        PARTIALLY_SUPPORTED = "partially_supported"
        CONTRADICTED = "contradicted"
        NOT_ENOUGH_EVIDENCE = "not_enough_evidence"

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="claims")
    claim_index = models.PositiveIntegerField()
    text = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    label = models.CharField(max_length=32, choices=Label.choices)
    confidence = models.FloatField()
    is_conflicting = models.BooleanField(default=False)
    evidence_quote = models.TextField(blank=True)
    evidence_source = models.CharField(max_length=512, blank=True)
    detail = models.JSONField(default=dict)

    # Set on rows read through verification.reports (the effective report): the
    # verdict shown, the claim's number everywhere, and whether an instructor changed it.
    effective: str
    number: int
    is_corrected: bool

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "claim_index"], name="claim_result_unique_index")
        ]
        ordering = ["run", "claim_index"]

    def __str__(self) -> str:
        return f"{self.label}: {self.text[:60]}"
