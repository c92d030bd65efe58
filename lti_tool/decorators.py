"""Access checks for in-frame pages. The one place that checks course + role.

    from lti_tool.decorators import lti_role_required
    from lti_tool.claims import AppRole

    @lti_role_required(AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT)
    def course(request): ...          # request.lti.context is the launch's course

`lti_role_required()` with no roles only requires a launch with a context.
A request without a valid launch token gets a 401 page; a wrong role a 403 page.
Both render `lti_tool/error.html` with the launch's return URL when there is one.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

import structlog
from django.http import HttpResponse
from django.shortcuts import render

from lti_tool.claims import AppRole
from lti_tool.sessions import LtiRequest

logger = structlog.get_logger("smartnotes.lti")


def _refuse(request: LtiRequest, *, status: int, code: str, message: str) -> HttpResponse:
    logger.warning("lti.access.refused", code=code, path=request.path, status=status)
    return render(
        request,
        "lti_tool/error.html",
        {"message": message, "code": code, "return_url": request.lti.return_url},
        status=status,
    )


def lti_role_required(
    *roles: AppRole, context_required: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require a valid launch token, (by default) a course context, and one of `roles`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: LtiRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            lti = request.lti
            if not lti:
                return _refuse(
                    request,
                    status=401,
                    code="no_launch",
                    message="Your Smart Notes session has expired. Open Smart Notes from "
                    "Canvas again.",
                )
            if context_required and lti.context is None:
                return _refuse(
                    request,
                    status=403,
                    code="no_context",
                    message="Open Smart Notes from a course.",
                )
            if roles and not lti.roles & set(roles):
                return _refuse(
                    request,
                    status=403,
                    code="role",
                    message="This page is not available for your role in this course.",
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


lti_launch_required = lti_role_required(context_required=False)
