"""The class view tells staff when Smart Notes cannot reach Canvas for the course and
links to the Canvas OAuth start (with the launch token, in a new tab); connected
courses and learners see no such banner."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test.html import Element, parse_html

from canvas_pipeline import crypto
from canvas_pipeline.models import CanvasInstallation, CanvasToken

pytestmark = pytest.mark.django_db

BANNER_TEXT = "Smart Notes cannot reach Canvas for this course"


@pytest.fixture
def developer_key(course_a):
    """The installation has a Canvas developer key (OAuth possible), no admin token."""
    CanvasInstallation.objects.filter(pk=course_a.course.installation_id).update(
        oauth_client_id="170000000000001", api_token_encrypted=""
    )


def _find(node, match):
    """The first element under `node` (depth first) that satisfies `match`, or None."""
    for child in getattr(node, "children", []):
        if isinstance(child, Element):
            if match(child):
                return child
            found = _find(child, match)
            if found is not None:
                return found
    return None


def _text(node) -> str:
    return " ".join(_text(c) if isinstance(c, Element) else str(c) for c in node.children)


def _banner(response):
    page = parse_html(response.content.decode())
    return _find(page, lambda e: dict(e.attributes).get("id") == "canvas-connect")


def _link(banner):
    return _find(banner, lambda e: e.name == "a")


def _course_token(seed, state):
    token = CanvasToken.objects.create(
        installation=seed.course.installation,
        lti_user=seed.instructor,
        access_token_encrypted=crypto.encrypt("instructor-token"),
        state=state,
    )
    seed.course.canvas_token = token
    seed.course.save(update_fields=["canvas_token"])


@pytest.mark.usefixtures("developer_key")
def test_instructor_sees_connect_link_to_oauth_start_with_launch_token(course_a, as_user):
    instructor = as_user(course_a, course_a.instructor, "instructor")
    banner = _banner(instructor.get("/course/"))
    assert banner is not None
    assert BANNER_TEXT in _text(banner)
    assert "comments cannot be posted and submissions cannot be fetched" in _text(banner)
    link = _link(banner)
    assert "Connect Canvas" in _text(link)
    url = urlsplit(dict(link.attributes)["href"])
    assert url.path == "/canvas/oauth/start/"
    assert parse_qs(url.query)["lti_session"] == [instructor.token]
    # Canvas's sign-in page cannot be framed: the flow opens in its own tab.
    assert dict(link.attributes)["target"] == "_blank"


@pytest.mark.usefixtures("developer_key")
def test_the_banner_link_starts_the_oauth_flow(course_a, as_user):
    """The link works as given: it redirects to Canvas's authorize endpoint."""
    instructor = as_user(course_a, course_a.instructor, "instructor")
    href = dict(_link(_banner(instructor.get("/course/"))).attributes)["href"]
    response = as_user(course_a, course_a.instructor, "instructor").get(href)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/login/oauth2/auth"


@pytest.mark.usefixtures("developer_key")
def test_expired_instructor_token_asks_to_reconnect(course_a, as_user):
    _course_token(course_a, CanvasToken.State.NEEDS_RECONNECT)
    page = as_user(course_a, course_a.instructor, "instructor").get("/course/")
    assert "Reconnect Canvas" in _text(_link(_banner(page)))


@pytest.mark.usefixtures("developer_key")
def test_ta_sees_the_banner_on_an_assignment_view(course_a, as_user):
    ta = course_a.learners[-1]  # any user, launched with the TA role
    assignment = course_a.course.assignments.first()
    page = as_user(course_a, ta, "ta").get(f"/course/assignments/{assignment.pk}/")
    assert BANNER_TEXT in _text(_banner(page))


@pytest.mark.usefixtures("developer_key")
def test_connected_course_shows_no_banner(course_a, as_user):
    _course_token(course_a, CanvasToken.State.ACTIVE)
    page = as_user(course_a, course_a.instructor, "instructor").get("/course/")
    assert page.status_code == 200
    assert _banner(page) is None
    assert BANNER_TEXT not in page.content.decode()


def test_admin_token_covers_the_course(course_a, as_user):
    CanvasInstallation.objects.filter(pk=course_a.course.installation_id).update(
        api_token_encrypted=crypto.encrypt("admin-token")
    )
    page = as_user(course_a, course_a.instructor, "instructor").get("/course/")
    assert _banner(page) is None


def test_without_a_developer_key_the_banner_says_who_can_fix_it(course_a, as_user):
    page = as_user(course_a, course_a.instructor, "instructor").get("/course/")
    banner = _banner(page)
    assert BANNER_TEXT in _text(banner)
    assert "Canvas administrator" in _text(banner)
    assert _link(banner) is None


@pytest.mark.usefixtures("developer_key")
@pytest.mark.parametrize("path", ["/course/my-feedback/", "/course/my-analytics/"])
def test_learner_never_sees_the_banner(course_a, as_user, path):
    page = as_user(course_a, course_a.learners[0], "learner").get(path)
    assert page.status_code == 200
    assert BANNER_TEXT not in page.content.decode()
    assert "/canvas/oauth/start/" not in page.content.decode()
