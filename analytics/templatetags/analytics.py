"""Small display helpers for the dashboards: verdict icons and names (so a
verdict is never told by colour alone), percentages and waits."""

from typing import Any
from urllib.parse import quote, urlencode

from django import template
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from lti_tool.sessions import TOKEN_PARAM
from verification.presentation import LABEL_ICONS as ICONS
from verification.presentation import LABEL_NAMES

register = template.Library()


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


@register.simple_tag(takes_context=True)
def student_table_rows(context: template.Context, students: list[dict[str, Any]]) -> SafeString:
    """The per-student table body, built with format_html (escaped) rather than a
    template loop: 300 rows through the template engine cost ~0.5 s, this ~10 ms."""
    request = context.get("request")
    lti = getattr(request, "lti", None)
    query = "?" + urlencode({TOKEN_PARAM: lti.token}) if lti else ""
    base = reverse("analytics:student", args=["0"]).removesuffix("0/")
    if not students:
        return format_html('<tr><td colspan="6">{}</td></tr>', "No results yet.")
    return format_html_join(
        "\n",
        '<tr><td data-label="Student" data-value="{}"><a href="{}">{}</a></td>'
        '<td data-label="Submissions" data-value="{}">{}</td>'
        '<td data-label="Claims" data-value="{}">{}</td>'
        '<td data-label="Accuracy" data-value="{}">{}</td>'
        '<td data-label="Contradicted" data-value="{}">{}</td>'
        '<td data-label="Last submission" data-value="{}">{}</td></tr>',
        (
            (
                s["name"].lower(),
                f"{base}{quote(s['canvas_user_id'], safe='')}/{query}",
                s["name"],
                s["submissions"],
                s["submissions"],
                s["total"],
                s["total"],
                pct_num(s["accuracy"]),
                pct(s["accuracy"]),
                s["contradicted"],
                s["contradicted"],
                s["last_received"].isoformat() if s["last_received"] else "",
                dateformat.format(s["last_received"], "j M Y") if s["last_received"] else "",
            )
            for s in students
        ),
    )
