"""Input limits: how much the engine reads before it refuses, in bytes, items and time.

Hostile or accidental input (a ZIP that inflates a thousandfold, an HTML page
of a hundred thousand empty paragraphs, a PDF whose pages share one huge
content stream) is bounded *before* the expensive step, and every refusal
names the limit, so the same message reaches the demo, the CLI and Canvas.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Caps applied to every file and essay the engine reads.

    Attributes:
        file_max_bytes: largest file (material or essay) read.
        files_max: most material files in one upload.
        essay_max_chars: longest essay text checked (after extraction).
        claims_max: claims checked per essay (the rest are listed as skipped).
        inflated_max_bytes: total uncompressed size of a DOCX/XLSX's ZIP members.
        zip_members_max: most members in a DOCX/XLSX's ZIP.
        pdf_pages_max: most PDF pages read.
        pdf_content_max_bytes: total decoded page content (text operators) read from a PDF.
        text_max_chars: longest decoded text (HTML, Markdown, RTF, CSV, plain text) read.
        blocks_max: most paragraphs, table rows or cells read from one file.
        read_max_s: wall-clock time one file may take to read.

    Example:
        >>> InputLimits(essay_max_chars=1000).essay_max_chars
        1000
    """

    file_max_bytes: int = 20 * 1024 * 1024
    files_max: int = 10
    essay_max_chars: int = 200_000
    claims_max: int = 60
    inflated_max_bytes: int = 64 * 1024 * 1024
    zip_members_max: int = 2_000
    pdf_pages_max: int = 600
    pdf_content_max_bytes: int = 16 * 1024 * 1024
    text_max_chars: int = 8_000_000
    blocks_max: int = 50_000
    read_max_s: float = 60.0

    def describe(self) -> list[str]:
        """The limits a user can reach, in plain words, for forms and ``--help``.

        Example:
            >>> InputLimits().describe()[0]
            'at most 10 files per upload, each up to 20 MB'
        """
        return [
            f"at most {self.files_max} files per upload, each up to {mb(self.file_max_bytes)}",
            f"essays up to {self.essay_max_chars:,} characters",
            f"the first {self.claims_max} claims of an essay are checked",
            f"PDFs up to {self.pdf_pages_max} pages; documents up to "
            f"{self.blocks_max:,} paragraphs",
        ]


def mb(n_bytes: int) -> str:
    """Bytes as a short MB figure for messages.

    Example:
        >>> mb(20 * 1024 * 1024), mb(1536 * 1024)
        ('20 MB', '1.5 MB')
    """
    value = n_bytes / 1024 / 1024
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


class Deadline:
    """A monotonic deadline that readers check between pages, paragraphs and rows."""

    __slots__ = ("_at", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        return time.monotonic() > self._at
