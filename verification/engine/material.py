"""What every reader shares: the input file, the blocks it yields and the one error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from verification.engine.errors import VerificationError
from verification.engine.limits import Deadline, InputLimits, mb
from verification.engine.types import MaterialErrorCode


@dataclass(frozen=True, slots=True)
class MaterialFile:
    """An uploaded course-material file: its name, raw bytes and optional MIME type."""

    name: str
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A paragraph (or table, heading) of a file, with its page and nearest heading."""

    text: str
    page: int | None
    paragraph: int
    heading: str | None


class MaterialReadError(VerificationError):
    """A file could not be read; ``code`` is a `MaterialErrorCode`, ``message`` says the fix."""

    def __init__(self, code: MaterialErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: MaterialErrorCode = code
        self.message = message


@dataclass(slots=True)
class ReadContext:
    """One file being read: its name, the limits, the deadline and the items counted so far."""

    name: str
    limits: InputLimits
    deadline: Deadline = field(init=False)
    items: int = 0

    def __post_init__(self) -> None:
        self.deadline = Deadline(self.limits.read_max_s)

    def tick(self, n: int = 1) -> None:
        """Count ``n`` paragraphs/rows/cells read; refuse past ``blocks_max`` or the deadline."""
        self.items += n
        if self.items > self.limits.blocks_max:
            raise self.too_large(
                f"has more than {self.limits.blocks_max:,} paragraphs, rows or cells"
            )
        if self.deadline.passed:
            raise self.too_large(f"took longer than {self.limits.read_max_s:.0f} s to read")

    def too_large(self, what: str) -> MaterialReadError:
        return MaterialReadError(
            "too_large",
            f"{self.name} {what}, past Smart Notes' limit; split it into smaller files or "
            "remove what is not course text",
        )

    def corrupt(self, kind: str) -> MaterialReadError:
        # Plain words only: the parser's exception stays chained (``__cause__``) for logs.
        return MaterialReadError(
            "corrupt",
            f"{self.name} could not be read as {kind}: the file is damaged or is not really "
            f"{kind}; open it and save or export it again as {kind}",
        )

    def check_size(self, n_bytes: int) -> None:
        if n_bytes > self.limits.file_max_bytes:
            raise MaterialReadError(
                "too_large",
                f"{self.name} is {mb(n_bytes)}; the limit is {mb(self.limits.file_max_bytes)} "
                "per file",
            )
