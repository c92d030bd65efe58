"""A local Canvas: a real HTTP server (ThreadingHTTPServer in a thread) speaking the
REST endpoints the pipeline uses, recording every request, with injectable faults.

Endpoints: submission GET (submission_history, submission_comments), submissions
list, submission PUT (comment[text_comment], comment[attempt]), file download
with a redirect to storage, OAuth2 token (authorization_code, refresh_token), and
a Live Events JWKS.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SUBMISSION_PATH = re.compile(r"^/api/v1/courses/(\d+)/assignments/(\d+)/submissions/(\d+)$")
SUBMISSIONS_PATH = re.compile(r"^/api/v1/courses/(\d+)/assignments/(\d+)/submissions$")
ASSIGNMENTS_PATH = re.compile(r"^/api/v1/courses/(\d+)/assignments$")
FILE_PATH = re.compile(r"^/files/(\d+)/download$")
STORAGE_PATH = re.compile(r"^/storage/(\d+)$")


@dataclass
class Fault:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    method: str | None = None
    path_contains: str = ""


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    form: dict[str, list[str]]


class FakeCanvas:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.submissions: dict[tuple[int, int, int], dict[str, Any]] = {}
        # Assignment.lti_context_id ($com.instructure.Assignment.lti.id) by assignment id.
        self.assignment_lti_ids: dict[int, str] = {}
        self.files: dict[int, tuple[str, bytes, str]] = {}
        self.tokens: set[str] = {"admin-token"}
        self.refresh_tokens: dict[str, str] = {}
        self.codes: dict[str, str] = {}
        self.faults: list[Fault] = []
        self.jwks: dict[str, Any] = {"keys": []}
        self.comment_ids = 1000
        self.put_delay_s = 0.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeCanvas:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- set-up -------------------------------------------------------------
    def add_submission(
        self,
        *,
        course_id: int,
        assignment_id: int,
        user_id: int,
        submission_id: int,
        attempts: list[dict[str, Any]],
    ) -> None:
        """attempts: dicts with submission_type, body or attachments; numbered from 1."""
        history = []
        for number, data in enumerate(attempts, start=1):
            history.append(
                {
                    "id": submission_id,
                    "user_id": user_id,
                    "assignment_id": assignment_id,
                    "attempt": number,
                    "workflow_state": "submitted",
                    "submitted_at": data.get("submitted_at", "2026-11-22T20:00:00Z"),
                    "submission_type": data["submission_type"],
                    "body": data.get("body"),
                    "attachments": data.get("attachments", []),
                }
            )
        with self.lock:
            self.submissions[(course_id, assignment_id, user_id)] = {
                **history[-1],
                "submission_history": history,
                "submission_comments": [],
            }

    def add_file(self, file_id: int, name: str, data: bytes, content_type: str) -> dict[str, Any]:
        with self.lock:
            self.files[file_id] = (name, data, content_type)
        return {
            "id": file_id,
            "display_name": name,
            "filename": name,
            "content-type": content_type,
            "size": len(data),
            "url": f"{self.url}/files/{file_id}/download?download_frd=1&verifier=v{file_id}",
        }

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def comments(self, course_id: int, assignment_id: int, user_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return list(
                self.submissions[(course_id, assignment_id, user_id)]["submission_comments"]
            )

    def recorded(self, method: str, contains: str = "") -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and contains in r.path]

    # --- server -------------------------------------------------------------
    def _handler(self):  # type: ignore[no-untyped-def]
        canvas = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _dispatch(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                form = parse_qs(raw.decode()) if raw else {}
                record = Recorded(
                    self.command, parts.path, parse_qs(parts.query), dict(self.headers), form
                )
                with canvas.lock:
                    canvas.requests.append(record)
                    fault = next(
                        (
                            f
                            for f in canvas.faults
                            if (f.method in (None, self.command)) and f.path_contains in parts.path
                        ),
                        None,
                    )
                    if fault:
                        canvas.faults.remove(fault)
                if fault:
                    if fault.delay_s:
                        time.sleep(fault.delay_s)
                    if fault.status:
                        self._send(fault.status, fault.body or "{}", fault.headers)
                        return
                status, body, headers = canvas.route(record, self.headers)
                self._send(status, body, headers)

            def _send(self, status: int, body: str | bytes, headers: dict[str, str]) -> None:
                data = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(status)
                    headers = {"Content-Type": "application/json", **headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_PUT = do_POST = _dispatch

        return Handler

    def _authorized(self, headers: Any) -> bool:
        value = headers.get("Authorization", "")
        return value.startswith("Bearer ") and value[7:] in self.tokens

    def route(self, r: Recorded, headers: Any) -> tuple[int, str | bytes, dict[str, str]]:
        if r.path == "/jwks":
            return 200, json.dumps(self.jwks), {}
        if r.path == "/login/oauth2/token" and r.method == "POST":
            return self._token(r.form)
        if match := STORAGE_PATH.match(r.path):
            _name, data, content_type = self.files[int(match.group(1))]
            return 200, data, {"Content-Type": content_type}
        if match := FILE_PATH.match(r.path):
            # Canvas answers file downloads with a redirect to its file store.
            return 302, "", {"Location": f"{self.url}/storage/{match.group(1)}"}
        if not headers.get("User-Agent"):
            return 403, '{"errors":[{"message":"User-Agent header required"}]}', {}
        if not self._authorized(headers):
            return (
                401,
                '{"errors":[{"message":"Invalid access token."}]}',
                {"WWW-Authenticate": 'Bearer realm="canvas-lms"'},
            )
        if match := SUBMISSION_PATH.match(r.path):
            key = tuple(int(g) for g in match.groups())
            with self.lock:
                submission = self.submissions.get(key)  # type: ignore[arg-type]
                if submission is None:
                    return (
                        404,
                        '{"errors":[{"message":"The specified resource does not exist."}]}',
                        {},
                    )
                if r.method == "PUT":
                    if self.put_delay_s:
                        time.sleep(self.put_delay_s)
                    text = r.form.get("comment[text_comment]", [""])[0]
                    attempt = r.form.get("comment[attempt]", [None])[0]
                    self.comment_ids += 1
                    submission["submission_comments"].append(
                        {
                            "id": self.comment_ids,
                            "comment": text,
                            "attempt": int(attempt) if attempt else None,
                            "author_id": 1,
                        }
                    )
                return 200, json.dumps(submission), {}
        if (match := SUBMISSIONS_PATH.match(r.path)) and r.method == "GET":
            course_id, assignment_id = (int(g) for g in match.groups())
            with self.lock:
                found = [
                    s
                    for (c, a, _), s in self.submissions.items()
                    if c == course_id and a == assignment_id
                ]
            return 200, json.dumps(found), {}
        if (match := ASSIGNMENTS_PATH.match(r.path)) and r.method == "GET":
            course_id = int(match.group(1))
            with self.lock:
                ids = sorted({a for (c, a, _) in self.submissions if c == course_id})
                lti_ids = dict(self.assignment_lti_ids)
            types = ["online_text_entry", "online_upload"]
            found = [
                {"id": i, "submission_types": types, "lti_context_id": lti_ids.get(i)} for i in ids
            ]
            return 200, json.dumps(found), {}
        return 404, '{"errors":[{"message":"no such endpoint"}]}', {}

    def _token(self, form: dict[str, list[str]]) -> tuple[int, str, dict[str, str]]:
        grant = form.get("grant_type", [""])[0]
        with self.lock:
            if grant == "authorization_code":
                user = self.codes.pop(form.get("code", [""])[0], None)
            elif grant == "refresh_token":
                user = self.refresh_tokens.get(form.get("refresh_token", [""])[0])
            else:
                user = None
            if user is None:
                return 400, '{"error":"invalid_grant"}', {}
            self.comment_ids += 1
            access = f"access-{user}-{self.comment_ids}"
            self.tokens.add(access)
            answer: dict[str, Any] = {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 3600,
                "user": {"id": int(user), "name": f"User {user}"},
            }
            if grant == "authorization_code":
                refresh = f"refresh-{user}-{self.comment_ids}"
                self.refresh_tokens[refresh] = user
                answer["refresh_token"] = refresh
        return 200, json.dumps(answer), {}
