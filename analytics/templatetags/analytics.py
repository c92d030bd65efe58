"""Small display helpers for the dashboards: verdict icons and names (so a
verdict is never told by colour alone), percentages and waits."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from analytics.selectors.common import LABEL_NAMES

register = template.Library()

ICONS = {
    "supported": "✓",
    "partially_supported": "◐",
    "contradicted": "✗",
    "not_enough_evidence": "?",
}


@register.filter
def verdict_icon(label: str) -> str:
    return ICONS.get(label, "•")


@register.filter
def verdict_name(label: str) -> str:
    return LABEL_NAMES.get(label, label)


@register.simple_tag
def verdict_badge(label: str) -> SafeString:
    return format_html(
        '<span class="badge v-{}"><span aria-hidden="true">{}</span> {}</span>',
        label,
        ICONS.get(label, "•"),
        LABEL_NAMES.get(label, label),
    )


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def pct_num(value: float | None) -> str:
    """A sortable number for data attributes (-1 when there is no value)."""
    return "-1" if value is None else f"{value * 100:.1f}"


@register.filter
def wait(seconds: int | None) -> str:
    if seconds is None:
        return "unknown (no recent throughput)"
    if seconds < 90:
        return f"about {max(seconds, 1)} s"
    if seconds < 5400:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"
