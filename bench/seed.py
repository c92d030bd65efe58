"""Realistic dashboard data for development, tests and the benchmark.

`course_seed(students=300, assignments=10, claims=40)` makes one Canvas course
(platform, installation, LTI context, roster, evidence corpus), one verified
submission per student and assignment with `claims` claims each (verdicts drawn
from a per-student skill, so the class has a spread), and a few held, queued
and failed jobs. Rows are written with bulk_create in batches.
"""

import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from canvas_pipeline.models import CanvasAssignment, CanvasCourse, CanvasInstallation, SubmissionJob
from lti_tool.claims import Role
from lti_tool.models import Deployment, LtiContext, LtiUser, Membership, Platform
from verification.engine.explain import LIMITATIONS
from verification.models import ClaimResult, Corpus, Material, VerificationRun

# (true claim, wrong claims, evidence quote, source); wrong variants repeat across
# students with small wording changes, so misconceptions cluster.
FACTS: list[tuple[str, tuple[str, ...], str, str]] = [
    (
        "Photosynthesis takes place in the chloroplasts.",
        (
            "Photosynthesis takes place in the mitochondria.",
            "photosynthesis happens in the mitochondria",
        ),
        "It takes place in the chloroplasts, which contain the green pigment chlorophyll.",
        "Biology notes.pdf, p. 2",
    ),
    (
        "Cellular respiration releases carbon dioxide.",
        ("Cellular respiration releases oxygen.", "Cellular respiration mostly releases oxygen."),
        "Cellular respiration happens mainly in the mitochondria and releases carbon dioxide.",
        "Biology notes.pdf, p. 4",
    ),
    (
        "Jan Ingenhousz showed in 1779 that plants need sunlight to restore air.",
        (
            "Jan Ingenhousz showed in 1879 that plants need sunlight.",
            "Ingenhousz showed in 1879 that plants need light.",
        ),
        "In 1779 Jan Ingenhousz showed that plants need sunlight to restore air.",
        "History of botany.docx, section 1",
    ),
    (
        "Chlorophyll is the green pigment in plants.",
        ("Chlorophyll is a red pigment.", "Chlorophyll is the red pigment in plants."),
        "Chloroplasts contain the green pigment chlorophyll.",
        "Biology notes.pdf, p. 2",
    ),
    (
        "Light causes the stomata to open.",
        ("Darkness causes the stomata to open.", "The stomata open because of darkness."),
        "In most plants light triggers the opening of the stomata in the morning.",
        "Plant physiology.pdf, p. 11",
    ),
    (
        "Enzymes speed up chemical reactions.",
        ("Enzymes slow down chemical reactions.", "enzymes slow chemical reactions down"),
        "Enzymes are proteins that speed up chemical reactions without being used up.",
        "Biology notes.pdf, p. 7",
    ),
    (
        "Osmosis is the movement of water across a membrane.",
        (
            "Osmosis is the movement of salt across a membrane.",
            "Osmosis means salt moving across a membrane.",
        ),
        "Osmosis is the diffusion of water across a partially permeable membrane.",
        "Cells and transport.html",
    ),
    (
        "Plants do not photosynthesise in complete darkness.",
        ("Plants photosynthesise in complete darkness.", "Plants can photosynthesise in darkness."),
        "Photosynthesis requires light energy from the sun.",
        "Biology notes.pdf, p. 2",
    ),
    (
        "DNA is made of four kinds of nucleotides.",
        ("DNA is made of twenty kinds of nucleotides.", "DNA contains 20 kinds of nucleotides."),
        "DNA is a polymer of four nucleotides: adenine, thymine, guanine and cytosine.",
        "Genetics primer.pdf, p. 1",
    ),
    (
        "Mitosis produces two identical daughter cells.",
        ("Mitosis produces four different daughter cells.", "Mitosis makes four different cells."),
        "Mitosis produces two genetically identical daughter cells.",
        "Cell division.md",
    ),
    (
        "Ribosomes build proteins.",
        ("Ribosomes build lipids.", "Ribosomes make lipids."),
        "Ribosomes are the site of protein synthesis.",
        "Biology notes.pdf, p. 5",
    ),
    (
        "Water boils at 100 degrees Celsius at sea level.",
        ("Water boils at 90 degrees Celsius at sea level.", "At sea level water boils at 90 °C."),
        "At sea-level pressure water boils at 100 °C.",
        "Chemistry basics.pdf, p. 3",
    ),
    (
        "Glucose is produced by photosynthesis.",
        (
            "Starch is the direct product of photosynthesis.",
            "Photosynthesis directly produces starch.",
        ),
        "The light-independent reactions produce glucose, later stored as starch.",
        "Biology notes.pdf, p. 3",
    ),
    (
        "Deforestation leads to higher carbon dioxide levels.",
        (
            "Deforestation leads to lower carbon dioxide levels.",
            "Cutting forests lowers carbon dioxide levels.",
        ),
        "Clearing forests releases stored carbon and raises atmospheric CO2.",
        "Ecology reader.pdf, p. 14",
    ),
    (
        "Xylem carries water from the roots to the leaves.",
        (
            "Phloem carries water from the roots to the leaves.",
            "The phloem carries water up from the roots.",
        ),
        "Xylem vessels transport water and minerals from the roots to the leaves.",
        "Plant physiology.pdf, p. 6",
    ),
    (
        "A catalyst is not used up in the reaction.",
        ("A catalyst is used up in the reaction.", "Catalysts get used up in reactions."),
        "A catalyst speeds up a reaction and is not consumed by it.",
        "Chemistry basics.pdf, p. 9",
    ),
]
UNSURE = [
    "Most plants in the rainforest are over a hundred years old.",
    "Photosynthesis was the first chemical process studied in schools.",
    "Some bacteria can live without any water at all.",
    "Botany became popular in the nineteenth century.",
]
PREFIXES = ("", "", "In fact, ", "It is well known that ", "Clearly, ", "We learned that ")
FIRST = [
    "Ada",
    "Ben",
    "Cleo",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jia",
    "Kai",
    "Lea",
    "Max",
    "Nia",
    "Omar",
    "Pia",
    "Raj",
    "Sia",
    "Tom",
    "Uma",
]
LAST = [
    "Ng",
    "Patel",
    "Smith",
    "Kim",
    "Okafor",
    "Rossi",
    "Silva",
    "Haddad",
    "Novak",
    "Cohen",
    "Diaz",
    "Berg",
    "Ito",
    "Khan",
    "Lund",
]


@dataclass
class SeedResult:
    platform: Platform
    deployment: Deployment
    context: LtiContext
    course: CanvasCourse
    instructor: LtiUser
    learners: list[LtiUser] = field(default_factory=list)
    assignments: list[CanvasAssignment] = field(default_factory=list)


def _claim_rows(rng: random.Random, skill: float, n: int) -> tuple[str, list[dict]]:
    """An essay of n claim sentences and the claim rows (offsets into the essay)."""
    parts: list[str] = []
    rows: list[dict] = []
    position = 0
    for index in range(n):
        draw = rng.random()
        fact = FACTS[rng.randrange(len(FACTS))]
        prefix = rng.choice(PREFIXES)
        if draw < 0.12 * (1 - skill) + 0.03:
            text, label, quote = rng.choice(UNSURE), "not_enough_evidence", ""
        elif draw < 0.55 * (1 - skill) + 0.05:
            text, label, quote = rng.choice(fact[1]), "contradicted", fact[2]
        elif draw < 0.7 * (1 - skill) + 0.12:
            text, label, quote = fact[0].rstrip(".") + ", mostly.", "partially_supported", fact[2]
        else:
            text, label, quote = fact[0], "supported", fact[2]
        keep_case = text.split()[0] in ("DNA", "Jan", "Ingenhousz")  # names and acronyms
        sentence = prefix + (text[0].lower() + text[1:] if prefix and not keep_case else text)
        sentence = sentence if sentence.endswith(".") else sentence + "."
        if parts:
            position += 1
        start = position
        parts.append(sentence)
        position += len(sentence)
        rows.append(_claim(index, sentence, start, position, label, quote, fact[3], rng))
    return " ".join(parts), rows


def _claim(
    index: int,
    text: str,
    start: int,
    end: int,
    label: str,
    quote: str,
    source: str,
    rng: random.Random,
) -> dict:
    reasons = []
    if label == "contradicted" and any(ch.isdigit() for ch in text):
        reasons.append(
            {"code": "number_mismatch", "message": "a number or date differs from the materials"}
        )
    if label == "partially_supported":
        reasons.append(
            {"code": "partial_support", "message": "the materials support only part of it"}
        )
    if label == "not_enough_evidence":
        reasons.append(
            {"code": "no_evidence", "message": "no passage of the materials matched this claim"}
        )
    explanation = {
        "supported": "The materials say the same thing.",
        "partially_supported": "The materials support part of this claim; the rest is not covered.",
        "contradicted": "The materials say something different; compare with the quoted passage.",
        "not_enough_evidence": "The course materials do not settle this claim either way.",
    }[label]
    return {
        "claim_index": index,
        "text": text,
        "start": start,
        "end": end,
        "label": label,
        "confidence": round(rng.uniform(0.55, 0.98), 3),
        "is_conflicting": rng.random() < 0.02,
        "evidence_quote": quote,
        "evidence_source": source if quote else "",
        "detail": {"reasons": reasons, "explanation": explanation},
    }


def _report(rows: list[dict]) -> dict:
    """A report as Report.to_dict() writes it, so the pipeline can rebuild the comment."""
    counts = dict.fromkeys(
        ("supported", "partially_supported", "contradicted", "not_enough_evidence"), 0
    )
    claims = []
    for row in rows:
        counts[row["label"]] += 1
        source = row["evidence_source"]
        claims.append(
            {
                "index": row["claim_index"],
                "text": row["text"],
                "start": row["start"],
                "end": row["end"],
                "label": row["label"],
                "confidence": row["confidence"],
                "is_conflicting": row["is_conflicting"],
                "probabilities": {"entailment": 0.5, "neutral": 0.3, "contradiction": 0.2},
                "similarity": 0.7,
                "evidence_quote": row["evidence_quote"],
                "source": {
                    "file_name": source.split(",")[0],
                    "page": None,
                    "paragraph": None,
                    "heading": None,
                    "description": source,
                }
                if source
                else None,
                "reasons": row["detail"]["reasons"],
                "explanation": row["detail"]["explanation"],
            }
        )
    return {
        "schema_version": 1,
        "model_version": "seed",
        "corpus_version": "seed",
        "counts": counts,
        "claims": claims,
        "skipped": [],
        "notes": [],
        "material_errors": [],
        "limitations": LIMITATIONS,
        "timings_ms": {},
    }


def course_seed(
    *,
    students: int = 300,
    assignments: int = 10,
    claims: int = 40,
    name: str = "Biology 101",
    rng_seed: int = 8,
    held: int = 5,
    queued: int = 5,
    failed: int = 2,
    platform: Platform | None = None,
    context_id: str = "",
    people: tuple[tuple[str, str, str], ...] = (),
) -> SeedResult:
    """Seed one course. `context_id` reuses (or makes) that LTI context of `platform`;
    `people` are (sub, canvas_user_id, name) learners put first on the roster."""
    rng = random.Random(rng_seed)  # noqa: S311 - reproducible sample data, not secrets
    tag = secrets.token_hex(4)
    with transaction.atomic():
        result = _course(platform, name, tag, context_id)
        result.learners = _roster(result, students, tag, people)
        result.assignments = CanvasAssignment.objects.bulk_create(
            CanvasAssignment(
                course=result.course,
                canvas_assignment_id=100 + i,
                name=f"Essay {i + 1}: "
                + [
                    "Photosynthesis",
                    "Cells",
                    "Genetics",
                    "Ecology",
                    "Plant transport",
                    "Enzymes",
                    "Respiration",
                    "Osmosis",
                    "Chemistry",
                    "Evolution",
                ][i % 10],
            )
            for i in range(assignments)
        )
        skills = {u.pk: rng.betavariate(4, 2) for u in result.learners}
        corpus = result.course.corpus
        for a_index, assignment in enumerate(result.assignments):
            _assignment_jobs(
                result,
                assignment,
                a_index,
                corpus,
                skills,
                claims,
                rng,
                held=held if a_index == len(result.assignments) - 1 else 0,
            )
        _pending_jobs(result, queued=queued, failed=failed)
    return result


def _course(platform: Platform | None, name: str, tag: str, context_id: str) -> SeedResult:
    if platform is None:
        platform = Platform.objects.create(
            name=f"Seed Canvas {tag}",
            issuer=f"https://seed-{tag}.canvas.invalid",
            client_id=f"seed-{tag}",
            auth_login_url=f"https://seed-{tag}.canvas.invalid/auth",
            auth_token_url=f"https://seed-{tag}.canvas.invalid/token",
            key_set_url=f"https://seed-{tag}.canvas.invalid/jwks",
        )
    deployment, _ = Deployment.objects.get_or_create(platform=platform, deployment_id=f"seed-{tag}")
    context, _ = LtiContext.objects.get_or_create(
        platform=platform,
        context_id=context_id or f"course-{tag}",
        defaults={"title": name, "label": name[:20]},
    )
    if not context.canvas_course_id.isdigit():
        context.canvas_course_id = str(int(tag, 16) % 10**6)
        context.save(update_fields=["canvas_course_id"])
    installation = CanvasInstallation.objects.filter(platform=platform).first()
    if installation is None:
        installation = CanvasInstallation.objects.create(
            platform=platform,
            root_account_uuid=f"seed-{tag}",
            api_url="https://canvas.invalid",
            secret_path_token=secrets.token_hex(16),
        )
    corpus = Corpus.objects.create(name=f"{name} materials")
    for file_name in ("Biology notes.pdf", "Plant physiology.pdf", "Chemistry basics.pdf"):
        data = f"Seed material {file_name} {tag}".encode()
        Material.objects.create(
            corpus=corpus,
            file_name=file_name,
            content_type="application/pdf",
            data=data,
            size_bytes=len(data),
            sha256=secrets.token_hex(32),
            status=Material.Status.INGESTED,
            passages=40,
        )
    course = CanvasCourse.objects.create(
        installation=installation,
        canvas_course_id=int(context.canvas_course_id),
        lti_context=context,
        corpus=corpus,
        name=name,
        is_enabled=True,
    )
    instructor = LtiUser.objects.create(
        platform=platform, sub=f"instructor-{tag}", name="Dr. Rivera", canvas_user_id="9000"
    )
    Membership.objects.create(context=context, user=instructor, roles=[Role.INSTRUCTOR])
    return SeedResult(platform, deployment, context, course, instructor)


def _roster(
    result: SeedResult, students: int, tag: str, people: tuple[tuple[str, str, str], ...]
) -> list[LtiUser]:
    named = [
        LtiUser.objects.update_or_create(
            platform=result.platform, sub=sub, defaults={"canvas_user_id": cid, "name": name}
        )[0]
        for sub, cid, name in people
    ]
    users = named + LtiUser.objects.bulk_create(
        LtiUser(
            platform=result.platform,
            sub=f"learner-{tag}-{i}",
            canvas_user_id=str(result.course.pk * 100000 + i),
            name=f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i + 1}",
        )
        for i in range(students - len(named))
    )
    Membership.objects.bulk_create(
        (Membership(context=result.context, user=u, roles=[Role.LEARNER]) for u in users),
        ignore_conflicts=True,
    )
    return users


def _assignment_jobs(
    result: SeedResult,
    assignment: CanvasAssignment,
    a_index: int,
    corpus: Corpus,
    skills: dict[int, float],
    claims: int,
    rng: random.Random,
    *,
    held: int,
) -> None:
    received = timezone.now() - timedelta(days=7 * (len(result.assignments) - a_index))
    essays = []
    for learner in result.learners:
        skill = min(0.98, skills[learner.pk] + 0.02 * a_index)  # students improve a little
        essays.append(_claim_rows(rng, skill, claims))
    runs = VerificationRun.objects.bulk_create(
        VerificationRun(
            corpus=corpus,
            source=VerificationRun.Source.CANVAS,
            submission_text=text,
            status=VerificationRun.Status.DONE,
            progress=1.0,
            report=_report(rows),
            model_version="seed",
            finished_at=received,
        )
        for text, rows in essays
    )
    VerificationRun.objects.filter(pk__in=[r.pk for r in runs]).update(created_at=received)
    ClaimResult.objects.bulk_create(
        (
            ClaimResult(run=run, **row)
            for run, (_, rows) in zip(runs, essays, strict=True)
            for row in rows
        ),
        batch_size=5000,
    )
    jobs = []
    for i, (learner, run) in enumerate(zip(result.learners, runs, strict=True)):
        state = SubmissionJob.State.HELD if i < held else SubmissionJob.State.DONE
        jobs.append(
            SubmissionJob(
                installation=result.course.installation,
                course=result.course,
                assignment=assignment,
                canvas_submission_id=_submission_id(result, assignment, i),
                canvas_user_id=learner.canvas_user_id,
                attempt=1,
                state=state,
                run=run,
                finished_at=received,
            )
        )
    SubmissionJob.objects.bulk_create(jobs, batch_size=2000)
    SubmissionJob.objects.filter(assignment=assignment).update(
        received_at=received, queued_at=received, verify_started_at=received
    )


def _submission_id(result: SeedResult, assignment: CanvasAssignment, i: int) -> int:
    # Unique per installation: several seeded courses may share one.
    return (result.course.pk * 1000 + assignment.canvas_assignment_id) * 100000 + i


def _pending_jobs(result: SeedResult, *, queued: int, failed: int) -> None:
    if not result.assignments or not result.learners:
        return
    assignment = result.assignments[-1]
    jobs = []
    for i in range(queued + failed):
        learner = result.learners[-(i % len(result.learners) + 1)]
        is_failed = i >= queued
        jobs.append(
            SubmissionJob(
                installation=result.course.installation,
                course=result.course,
                assignment=assignment,
                canvas_submission_id=_submission_id(result, assignment, 90000 + i),
                canvas_user_id=learner.canvas_user_id,
                attempt=2 + i // len(result.learners),
                state=SubmissionJob.State.FAILED if is_failed else SubmissionJob.State.QUEUED,
                error_code="canvas_unavailable" if is_failed else "",
                error_message="Canvas returned 503 while downloading the attachment."
                if is_failed
                else "",
            )
        )
    SubmissionJob.objects.bulk_create(jobs)
