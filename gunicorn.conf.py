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
keepalive = 5
timeout = 60
graceful_timeout = 30
# One structured log line per request comes from the app (ops.middleware), so
# gunicorn's own access log stays off.
accesslog = None
errorlog = "-"
