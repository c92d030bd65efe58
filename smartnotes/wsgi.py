import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartnotes.settings")
django_application = get_wsgi_application()

from canvas_pipeline.wsgi_intake import LiveEventsFastPath  # noqa: E402 - needs settings

# Canvas Live Events skip the middleware stack; every other request is Django's.
application = LiveEventsFastPath(django_application)
