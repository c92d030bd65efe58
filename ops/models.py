from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker process, refreshed every few seconds by that process.

    Rows are written by the processes that run tasks (never a prefork parent),
    so no database connection is ever shared across a fork.
    """

    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    model_version = models.CharField(max_length=255, blank=True)
    model_device = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hostname", "pid"], name="ops_heartbeat_unique_process")
        ]

    def __str__(self) -> str:
        return f"{self.hostname}[{self.pid}]"
