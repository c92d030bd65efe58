"""Structured logging: stdlib and structlog records rendered by one formatter.

Request and job ids live in structlog contextvars, so every line logged while
handling a request or a task carries them, whichever logger wrote it.

No query string reaches a log line: launch tokens, OAuth codes and states travel
in query strings, and Django's own loggers (django.request, django.server) print
the request line or the request object. `QueryStringFilter` sits on the handler,
so it sees every record whichever logger wrote it, and `query_strings_strip` runs
last in the formatter for what is rendered later (exception text).
"""

import logging
import logging.config
import re
from typing import Any

import structlog

# A "?" that starts a query (it holds a name=value pair), up to whitespace or a quote.
_QUERY_RE = re.compile(r"\?[^\s\"'<>?#]*=[^\s\"'<>#]*")
QUERY_REDACTED = "?[query removed]"
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def query_strings_scrub(value: Any) -> Any:
    """`value` with every query string replaced; requests become "METHOD path"."""
    if isinstance(value, str):
        return _QUERY_RE.sub(QUERY_REDACTED, value) if "?" in value else value
    if isinstance(value, dict):
        return {k: query_strings_scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(query_strings_scrub(v) for v in value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if hasattr(value, "get_full_path") and hasattr(value, "method"):
        return f"{value.method} {value.path}"  # an HttpRequest: path, never the query
    return query_strings_scrub(repr(value))


class QueryStringFilter(logging.Filter):
    """Strips query strings from every record: message, arguments and extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):  # a structlog event on its way to the formatter
            record.msg = query_strings_scrub(record.msg)
        else:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):
                message = str(record.msg)
            record.msg, record.args = query_strings_scrub(message), None
        for name, value in list(vars(record).items()):
            if name not in _RECORD_ATTRS:
                setattr(record, name, query_strings_scrub(value))
        if record.exc_text:
            record.exc_text = query_strings_scrub(record.exc_text)
        return True


def sentry_event_scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Sentry before_send/before_breadcrumb: the same scrubbing, and no query_string."""
    request = event.get("request")
    if isinstance(request, dict) and request.get("query_string"):
        request["query_string"] = "[removed]"
    return query_strings_scrub(event)  # type: ignore[no-any-return]


def query_strings_strip(
    logger: Any, method_name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """structlog processor: the same scrubbing, after exceptions are rendered to text."""
    return query_strings_scrub(event_dict)  # type: ignore[no-any-return]


_SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure(*, fmt: str, level: str) -> None:
    """Route stdlib logging and structlog through JSON (or console) rendering."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "structured": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "processors": [
                        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info,
                        query_strings_strip,
                        renderer,
                    ],
                    # stdlib records: keep `extra={...}` fields as structured keys.
                    "foreign_pre_chain": [*_SHARED_PROCESSORS, structlog.stdlib.ExtraAdder()],
                }
            },
            "filters": {"query_strings": {"()": QueryStringFilter}},
            "handlers": {
                "console": {
                    "class": "logging.StreamHandler",
                    "formatter": "structured",
                    "filters": ["query_strings"],
                }
            },
            "root": {"handlers": ["console"], "level": level},
            "loggers": {
                "django.db.backends": {"level": "WARNING"},
                "django.utils.autoreload": {"level": "WARNING"},
                "urllib3": {"level": "WARNING"},
                "filelock": {"level": "WARNING"},
                "httpx": {"level": "WARNING"},
            },
        }
    )
    structlog.configure(
        processors=[
            *_SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
