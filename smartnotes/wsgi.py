import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartnotes.settings")
django_application = get_wsgi_application()

from canvas_pipeline.wsgi_intake import LiveEventsFastPath  # noqa: E402 - needs settings

# Canvas Live Events skip the middleware stack; every other request is Django's.
application = LiveEventsFastPath(django_application)

# The ~100k objects loaded at start-up live as long as the process: keep them
# out of the collector, or every full collection walks them all and stops all of
# this process's request threads for ~30 ms (a p99 spike under load).
# https://docs.python.org/3/library/gc.html#gc.freeze
gc.freeze()
