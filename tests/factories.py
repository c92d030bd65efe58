"""Model factories and sample documents shared by Django tests."""

import io

import factory

from verification.models import Corpus, Material, VerificationRun

MATERIALS_TEXT = (
    "Photosynthesis\n\n"
    "Photosynthesis is the process by which green plants convert light energy into chemical "
    "energy. Photosynthesis requires light energy from the sun. It takes place in the "
    "chloroplasts, which contain the green pigment chlorophyll.\n\n"
    "Cellular respiration\n\n"
    "Cellular respiration happens mainly in the mitochondria and releases carbon dioxide. "
    "In 1779 Jan Ingenhousz showed that plants need sunlight to restore air."
)
ESSAY_TEXT = (
    "Photosynthesis turns light energy into chemical energy. "
    "Photosynthesis doesn't work without light. "
    "I think biology is fun. "
    "Cellular respiration happens mainly in the chloroplasts. "
    "Jan Ingenhousz showed in 1779 that plants need sunlight to restore air."
)


def pdf_bytes(paragraphs: list[str]) -> bytes:
    """A real one-page-per-paragraph PDF with a text layer (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for paragraph in paragraphs:
        text = pdf.beginText(50, 780)
        for line_start in range(0, len(paragraph), 90):
            text.textLine(paragraph[line_start : line_start + 90])
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def docx_bytes(heading: str, paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class CorpusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Corpus

    name = "Biology 101 materials"


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    corpus = factory.SubFactory(CorpusFactory)
    file_name = "notes.txt"
    content_type = "text/plain"
    data = factory.LazyFunction(lambda: MATERIALS_TEXT.encode())
    size_bytes = factory.LazyAttribute(lambda m: len(m.data))
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerificationRun

    corpus = factory.SubFactory(CorpusFactory)
    source = VerificationRun.Source.DEMO
    submission_text = ESSAY_TEXT
