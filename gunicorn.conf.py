"""gunicorn settings for the web process (read from the working directory).

Threaded workers: a request spends most of its time waiting, on the database
commit (WAL flush) for Live Events and on queries for pages, so threads overlap
those waits while the processes use the cores. Every value can be overridden
on the command line or with GUNICORN_CMD_ARGS.
https://docs.gunicorn.org/en/stable/settings.html
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
# Each thread holds at most one database connection from the process's pool
# (DATABASE_POOL_MAX_SIZE, default 10), so keep threads at or below it.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
backlog = 2048
# One listening socket per worker (SO_REUSEPORT; gunicorn >= 23 opens them in each
# worker): the kernel spreads new connections evenly over the workers. With one
# shared socket, whichever worker wins accept() keeps each keep-alive connection,
# and a steady sender such as Canvas Live Events often lands 3/4 of its
# connections on one worker, whose single GIL then queues them while the other
# worker idles (docs/benchmarks-pipeline.md). Cost: connections still waiting in
# a dying worker's queue are reset, and the client retries. TCP only (on_starting).
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "1") != "0"
keepalive = 5
timeout = 60
graceful_timeout = 30
# One structured log line per request comes from the app (ops.middleware), so
# gunicorn's own access log stays off.
accesslog = None
errorlog = "-"


def on_starting(server):  # type: ignore[no-untyped-def]
    """Per-worker Unix sockets would each replace the last one's file: share one."""
    if any(isinstance(address, str) for address in server.cfg.address):
        server.cfg.set("reuse_port", False)
