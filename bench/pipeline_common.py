"""Shared pieces of the pipeline benchmarks: a production-style web server, a
Live Events signing key and its JWKS on a local socket, and percentiles."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import requests
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parents[1]
KID = "bench-live-events"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class JwksServer:
    """An RS256 key and a local JWKS endpoint for it."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        document = json.dumps({"keys": [{**public, "kid": KID, "alg": "RS256"}]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sign(self, payload: dict) -> bytes:
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": KID}).encode()


def production_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """SMARTNOTES_ENV=production with throwaway secrets, over plain HTTP on loopback."""
    env = dict(os.environ)
    env.update(
        {
            "SMARTNOTES_ENV": "production",
            "DJANGO_SECRET_KEY": Fernet.generate_key().decode() * 2,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SMARTNOTES_BASE_URL": "http://127.0.0.1",
            "SMARTNOTES_FIELD_ENCRYPTION_KEY": env.get(
                "SMARTNOTES_FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode()
            ),
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            # The bench's Canvas, JWKS server and database are on loopback.
            "SMARTNOTES_OUTBOUND_ALLOW_PRIVATE": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


def gunicorn_start(
    env: dict[str, str], *, workers: int, log: Path, threads: int = 8
) -> tuple[subprocess.Popen, str]:
    """gunicorn as in the Dockerfile (gunicorn.conf.py: threaded workers), on a free
    loopback port."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "gunicorn",
            "smartnotes.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health/", timeout=1).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"gunicorn did not start; see {log}")
