"""Mutations of the real files in tests/fuzz/corpus/: what damaged uploads look like.

Byte-level (truncation, flipped and inserted bytes, a spliced chunk) and, for the
ZIP-based formats, container-level (a valid ZIP whose XML is broken, a member
missing or renamed), which reaches the parsers past zipfile's own checks.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

from hypothesis import strategies as st

CORPUS = Path(__file__).parent / "corpus"
SEEDS: dict[str, bytes] = {p.name: p.read_bytes() for p in sorted(CORPUS.iterdir())}
ZIP_SEEDS = [name for name, data in SEEDS.items() if data.startswith(b"PK")]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def insert_bytes(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]


def splice(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, 512)]
    at = rng.randrange(len(data))
    return data[:at] + chunk * rng.randint(1, 8) + data[at:]


def break_zip_member(data: bytes, rng: random.Random) -> bytes:
    """A valid ZIP in which one XML member is cut, garbled, emptied or dropped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    infos = source.infolist()
    victim = rng.choice([i for i in infos if i.filename.endswith(".xml")] or infos)
    action = rng.choice(["cut", "garble", "empty", "drop", "rename"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in infos:
            body = source.read(info)
            name = info.filename
            if info is victim:
                if action == "drop":
                    continue
                if action == "cut":
                    body = body[: rng.randrange(max(1, len(body)))]
                elif action == "garble":
                    body = flip_bytes(body, rng) if body else b"<"
                elif action == "empty":
                    body = b""
                else:
                    name = name + ".bak"
            target.writestr(name, body)
    return out.getvalue()


MUTATIONS = [truncate, flip_bytes, insert_bytes, splice]


def mutate(name: str, rng: random.Random) -> bytes:
    data = SEEDS[name]
    if name in ZIP_SEEDS and rng.random() < 0.5:
        return break_zip_member(data, rng)
    return rng.choice(MUTATIONS)(data, rng)


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file name, damaged bytes); the name is the seed's or another format's."""
    seed = draw(st.sampled_from(sorted(SEEDS)))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    name = draw(st.sampled_from([seed, seed, "upload.bin", "renamed.txt", "renamed.docx"]))
    return name, mutate(seed, rng)


def fixed_mutations(count: int, seed: int = 15) -> list[tuple[str, bytes]]:
    """Deterministic damaged files for the slower paths (views, CLI, Canvas, Asset Processor)."""
    rng = random.Random(seed)
    names = sorted(SEEDS)
    return [(names[i % len(names)], mutate(names[i % len(names)], rng)) for i in range(count)]
