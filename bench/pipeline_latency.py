"""Event -> comment latency on real processes, and where the time goes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sn_bench REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python -m bench.pipeline_latency --events 20

gunicorn (production settings) takes signed submission_created events; a
`submissions` worker (prefork, 1 child) fetches from a local Canvas (the test
suite's server, a real socket); a `gpu` worker (solo pool, CPU here) verifies a
1,000-word essay (40 factual claims, questions and opinions as filler) against
a 50-page PDF of course materials and the comment is PUT back. Each event is a
new essay (no claim-cache hits). The NLI model is the shipped one when present,
else a MiniLM-L6-sized proxy (same compute, random head; see
verification.engine.bench.build_proxy_model).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.pipeline_common import (
    REPO,
    JwksServer,
    gunicorn_start,
    percentile,
    production_env,
)

TOPICS = [
    ("photosynthesis", "chloroplast"),
    ("respiration", "mitochondrion"),
    ("mitosis", "nucleus"),
    ("meiosis", "gamete"),
    ("osmosis", "membrane"),
    ("digestion", "enzyme"),
    ("circulation", "artery"),
    ("immunity", "antibody"),
    ("evolution", "species"),
    ("genetics", "allele"),
    ("ecology", "biome"),
    ("neurons", "synapse"),
]
VERBS = ["produces", "requires", "releases", "absorbs", "regulates", "stores", "transports"]
THINGS = [
    "glucose",
    "oxygen",
    "carbon dioxide",
    "ATP",
    "water",
    "nitrogen",
    "sodium ions",
    "proteins",
    "lipids",
    "hormones",
    "DNA",
    "RNA",
    "chlorophyll",
    "calcium",
]


def _fact(rng: random.Random) -> str:
    topic, part = rng.choice(TOPICS)
    return (
        f"During {topic}, the {part} {rng.choice(VERBS)} {rng.choice(THINGS)} at about "
        f"{rng.randint(2, 95)} units per hour in {rng.choice(['plants', 'animals', 'fungi'])}."
    )


def materials_pdf(pages: int = 50, seed: int = 1) -> tuple[bytes, list[str]]:
    """A PDF of `pages` pages (~450 words each) and the fact sentences in it."""
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    rng = random.Random(seed)  # noqa: S311 - synthetic text, not security
    facts: list[str] = []
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for page in range(pages):
        text = pdf.beginText(40, 800)
        text.textLine(f"Chapter {page + 1}: {TOPICS[page % len(TOPICS)][0].title()}")
        body = " ".join(_fact(rng) for _ in range(25))
        facts.extend(s.strip() + "." for s in body.split(".") if s.strip())
        for start in range(0, len(body), 95):
            text.textLine(body[start : start + 95])
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue(), facts


FILLER = [
    "I think this part of the course was the most interesting one for me.",
    "Why does this matter for the rest of the chapter?",
    "In my opinion the lectures explained this better than the book did.",
    "I believe we should look at this again before the exam.",
    "What would happen if the conditions were different?",
    "I found the lab session on this topic very helpful and fun.",
]


def essay_html(facts: list[str], rng: random.Random, words: int = 1000, claims: int = 40) -> str:
    """~`words` words: `claims` fact sentences from the materials (some with changed
    numbers) mixed with non-claim filler (questions, opinions), as students write."""
    sentences: list[str] = []
    for _ in range(claims):
        sentence = rng.choice(facts)
        if rng.random() < 0.3:  # a changed number: contradicted or partly supported
            sentence = re.sub(r"about \d+", f"about {rng.randint(100, 9999)}", sentence)
        else:  # a paraphrase that keeps the fact, so no two essays share claim texts
            sentence = re.sub(
                r"^During", rng.choice(["In", "Throughout", "During", "While in"]), sentence
            )
            sentence = sentence.replace(
                " units per hour",
                rng.choice(
                    [" units per hour", " units an hour", " units each hour", " units hourly"]
                ),
            )
            sentence = sentence.replace(
                "at about", rng.choice(["at about", "at around", "at roughly"])
            )
        # A made-up source name keeps claim texts unique across essays (no cache
        # hits) without adding a number the number/date check would flag.
        source = "".join(rng.choices("bcdfghklmnprstvz", k=3)).title() + "son"
        sentences.append(f"{sentence[:-1]}, as {source} notes.")
    while sum(len(s.split()) for s in sentences) < words:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(FILLER))
    paragraphs = [" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _model_dir(tmp: Path) -> tuple[str, str]:
    shipped = REPO / "models" / "smartnotes-nli-minilm-l6"
    if (shipped / "config.json").is_file():
        return str(shipped), "shipped smartnotes-nli-minilm-l6"
    from verification.engine.bench import build_proxy_model

    return str(build_proxy_model(tmp / "proxy-nli")), "MiniLM-L6 proxy (random head)"


def _worker(env: dict[str, str], queue: str, pool: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smartnotes",
            "worker",
            "-Q",
            queue,
            *pool,
            "--hostname",
            f"bench-{queue}@%h",
            "--loglevel",
            "WARNING",
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--timeout-s", type=float, default=300, help="per event")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL, as in production")
    sys.path.insert(0, str(REPO))
    from tests.pipeline.fake_canvas import FakeCanvas

    tmp = Path(tempfile.mkdtemp(prefix="sn-latency-"))
    canvas = FakeCanvas().start()
    jwks = JwksServer()
    model, model_name = _model_dir(tmp)
    env = production_env({"SMARTNOTES_NLI_MODEL": model, "SMARTNOTES_NLI_DEVICE": "cpu"})
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartnotes.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from canvas_pipeline.models import SubmissionJob
    from canvas_pipeline.services.setup import (
        course_get_or_create,
        course_materials_add,
        course_settings_update,
        installation_connect,
    )
    from lti_tool.models import Platform
    from verification.models import VerificationRun
    from verification.services import UploadedMaterial

    platform_row, _ = Platform.objects.get_or_create(
        name="Latency Canvas",
        defaults={
            "issuer": "https://lat.instructure.com",
            "client_id": "2",
            "auth_login_url": "https://lat.instructure.com/a",
            "auth_token_url": "https://lat.instructure.com/t",
            "key_set_url": "https://lat.instructure.com/k",
        },
    )
    installation = installation_connect(
        platform=platform_row,
        root_account_uuid="latency-root",
        api_url=canvas.url,
        api_token="admin-token",  # noqa: S106 - the local fake Canvas token
        live_events_jwks_url=jwks.url,
    )
    SubmissionJob.objects.filter(installation=installation).delete()
    pdf, facts = materials_pdf()
    course = course_get_or_create(installation=installation, canvas_course_id=101)
    course = course_materials_add(
        course=course, files=[UploadedMaterial("biology-50-pages.pdf", pdf, "application/pdf")]
    )
    course_settings_update(course=course, is_enabled=True, auto_post=True, hold_for_review=False)

    web, url = gunicorn_start(env, workers=2, log=tmp / "web.log")
    workers = [
        _worker(env, "submissions", ["-c", "1"], tmp / "submissions.log"),
        _worker(env, "gpu", ["--pool", "solo"], tmp / "gpu.log"),
    ]
    rng = random.Random(time.time_ns())  # noqa: S311 - synthetic essays, new every run
    run_id = int(time.time()) % 10**5
    rows = []
    try:
        for n in range(args.warmup + args.events):
            student = run_id * 100 + n
            canvas.add_submission(
                course_id=101,
                assignment_id=202,
                user_id=student,
                submission_id=student,
                attempts=[{"submission_type": "online_text_entry", "body": essay_html(facts, rng)}],
            )
            rows.append(
                _one(
                    canvas,
                    jwks,
                    url,
                    student,
                    timeout_s=args.timeout_s * (3 if n < args.warmup else 1),
                )
            )
    finally:
        for process in (web, *workers):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (web, *workers):
            process.wait(timeout=60)
        canvas.stop()
    _report(rows[args.warmup :], model_name, SubmissionJob, VerificationRun, len(facts))


def _one(canvas, jwks, url: str, student: int, *, timeout_s: float) -> dict:  # type: ignore[no-untyped-def]
    import requests

    from tests.pipeline.conftest import event_payload

    payload = event_payload(submission_id=str(student), user_id=str(student))
    payload["metadata"].update(root_account_uuid="latency-root", root_account_lti_guid="")
    body = jwks.sign(payload)
    started = time.perf_counter()
    status = requests.post(f"{url}/canvas/events/", data=body, timeout=30).status_code
    acked = time.perf_counter()
    deadline = started + timeout_s
    while not canvas.comments(101, 202, student):
        if time.perf_counter() > deadline:
            raise SystemExit(f"no comment for student {student} after {timeout_s} s")
        time.sleep(0.01)
    done = time.perf_counter()
    from canvas_pipeline.models import SubmissionJob

    # The comment is out; let the worker record it before the next event (or shutdown).
    while not SubmissionJob.objects.filter(
        canvas_submission_id=student % 10**13, state=SubmissionJob.State.DONE
    ).exists():
        if time.perf_counter() > deadline:
            raise SystemExit(f"job of student {student} not recorded as done")
        time.sleep(0.05)
    return {
        "student": student,
        "status": status,
        "ack_ms": (acked - started) * 1000,
        "total_ms": (done - started) * 1000,
    }


def _report(rows, model_name, SubmissionJob, VerificationRun, facts: int) -> None:  # type: ignore[no-untyped-def]
    stages: dict[str, list[float]] = {
        k: []
        for k in (
            "queue to fetch",
            "fetch from Canvas",
            "queue to gpu worker",
            "verification",
            "queue to poster",
            "post comment",
        )
    }
    engine: dict[str, list[float]] = {}
    claims = []
    verdicts: dict[str, int] = {}
    for row in rows:
        job = SubmissionJob.objects.get(canvas_submission_id=row["student"] % 10**13)
        run = VerificationRun.objects.get(pk=job.run_id)

        def ms(a, b):  # type: ignore[no-untyped-def]
            return (b - a).total_seconds() * 1000

        stages["queue to fetch"].append(ms(job.received_at, job.fetch_started_at))
        stages["fetch from Canvas"].append(ms(job.fetch_started_at, job.queued_at))
        stages["queue to gpu worker"].append(ms(job.queued_at, job.verify_started_at))
        stages["verification"].append(ms(job.verify_started_at, run.finished_at))
        stages["queue to poster"].append(ms(run.finished_at, job.posting.claimed_at))
        stages["post comment"].append(ms(job.posting.claimed_at, job.finished_at))
        for name, value in (run.report or {}).get("timings_ms", {}).items():
            engine.setdefault(name, []).append(value)
        claims.append(len((run.report or {}).get("claims", [])))
        for claim in (run.report or {}).get("claims", []):
            verdicts[claim["label"]] = verdicts.get(claim["label"], 0) + 1
    totals = [r["total_ms"] for r in rows]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()}; model: {model_name}")
    print(
        f"materials: 50-page PDF, {facts} fact sentences; essay ~1,000 words, "
        f"{min(claims)}-{max(claims)} claims checked"
    )
    print(
        f"event -> comment over {len(rows)} events: p50 {percentile(totals, 50):.0f} ms, "
        f"p95 {percentile(totals, 95):.0f} ms, max {max(totals):.0f} ms"
    )
    print(f"verdicts over all essays: {verdicts}")
    print(f"intake ack: p50 {percentile([r['ack_ms'] for r in rows], 50):.1f} ms")
    print("where the time goes (p50 / p95 ms):")
    for name, values in stages.items():
        print(f"  {name:<22} {percentile(values, 50):8.0f} {percentile(values, 95):8.0f}")
    print("  inside verification (engine timings_ms):")
    for name, values in engine.items():
        print(f"    {name:<20} {percentile(values, 50):8.0f} {percentile(values, 95):8.0f}")


if __name__ == "__main__":
    main()
