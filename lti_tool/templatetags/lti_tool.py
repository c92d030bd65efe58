"""Template tags that keep the launch token on in-frame links and forms.

    {% load lti_tool %}
    <a href="{% lti_url 'analytics:course' %}">Course</a>
    <form method="post" action="{% lti_url 'verification:submit' %}">
      {% csrf_token %}{% lti_session_input %} ...
    </form>

Outside a launch both tags degrade to a plain URL / nothing.
"""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from lti_tool.sessions import TOKEN_PARAM, with_token

register = template.Library()


def _token(context: template.Context) -> str:
    request = context.get("request")
    lti = getattr(request, "lti", None)
    return lti.token if lti else ""


@register.simple_tag(takes_context=True)
def lti_url(context: template.Context, name: str, *args: Any, **kwargs: Any) -> str:
    """`{% url %}` plus the launch token."""
    url = reverse(name, args=args, kwargs=kwargs)
    token = _token(context)
    return with_token(url, token) if token else url


@register.simple_tag(takes_context=True)
def lti_session_input(context: template.Context) -> str:
    """A hidden input carrying the launch token, for forms."""
    token = _token(context)
    if not token:
        return ""
    return format_html('<input type="hidden" name="{}" value="{}">', TOKEN_PARAM, token)


@register.filter
def lti_token(url: str, lti: Any) -> str:
    """`{{ some_url|lti_token:request.lti }}`: add the token to an already-built URL."""
    return with_token(url, lti.token) if lti else url
