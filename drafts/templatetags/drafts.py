"""Draft check blocks on other apps' pages, each one self-contained so the page's view
stays as it is: `{% drafts_checked scope %}` on the class view (a count only, unless the
course lets instructors open drafts) and `{% draft_progress scope %}` on My analytics."""

from typing import Any

from django import template

from drafts import selectors

register = template.Library()


@register.inclusion_tag("drafts/_drafts_checked.html", takes_context=True)
def drafts_checked(context: template.Context, scope: Any) -> dict[str, Any]:
    course = scope.course
    return {
        "request": context.get("request"),
        "count": selectors.drafts_checked_count(course),
        "enabled": bool(course and course.drafts_enabled),
        "visible": bool(course and course.drafts_visible_to_staff),
    }


@register.inclusion_tag("drafts/_draft_progress.html", takes_context=True)
def draft_progress(context: template.Context, scope: Any) -> dict[str, Any]:
    total, rows = selectors.draft_progress_for_learner(scope)
    return {"request": context.get("request"), "total": total, "rows": rows}
