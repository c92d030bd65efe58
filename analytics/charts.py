"""Server-rendered SVG charts: a small pure module (no Django imports).

Each function returns SVG markup with every text value escaped, sized by its
viewBox so it scales from 320 px up. The page shows a table with the same
numbers next to each chart (the text alternative); the SVG carries role="img"
and a <title>/<desc> for screen readers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

BAR = "#2446a8"  # brand blue: 9.4:1 on white, above the 3:1 needed for graphics
MUTED_BAR = "#5b6b8c"
INK = "#1d2433"
GRID = "#c3cad6"
CLASS_LINE = "#7a4d00"
FONT = 13


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # 0..1, or None when there is no value


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def histogram(
    chart_id: str,
    bins: Sequence[tuple[str, int]],
    *,
    title: str,
    desc: str = "",
    edges: Sequence[str] = (),
) -> str:
    """Vertical bars, one per (label, count) bin, with the count above each bar.

    `edges` (len(bins) + 1 labels) are drawn at the bar boundaries, as on a
    histogram axis; without them each bar gets its own label.
    """
    width, height, left, right, bottom, top = 420, 230, 30, 14, 34, 22
    plot_w, plot_h = width - left - right, height - bottom - top
    peak = max((c for _, c in bins), default=0) or 1
    slot = plot_w / max(len(bins), 1)
    parts = _open(chart_id, width, height, title, desc or title)
    for value in sorted({0, peak // 2, peak}):
        y = top + plot_h * (1 - value / peak)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" font-size="{FONT}" '
            f'fill="{INK}">{value}</text>'
        )
    for i, (label, count) in enumerate(bins):
        h = plot_h * count / peak
        x = left + i * slot + slot * 0.1
        w = slot * 0.8
        y = top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR}" rx="2">'
            f"<title>{escape(label)}: {count}</title></rect>"
        )
        if count:
            parts.append(
                f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'font-size="{FONT}" fill="{INK}">{count}</text>'
            )
        if not edges:
            parts.append(
                f'<text x="{x + w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="{FONT}" fill="{INK}">{escape(label)}</text>'
            )
    for i, edge in enumerate(edges):
        x = left + i * slot
        anchor = "start" if i == 0 else "end" if i == len(edges) - 1 else "middle"
        if i % 2 == 0 or len(edges) <= 6:
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="{anchor}" '
                f'font-size="{FONT}" fill="{INK}">{escape(edge)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def trend(
    chart_id: str,
    points: Sequence[Point],
    *,
    title: str,
    desc: str = "",
    reference: Sequence[Point] = (),
    series_label: str = "You",
    reference_label: str = "Class average",
) -> str:
    """A 0-100 % line chart across labelled steps (assignments), with an optional
    dashed reference line (the class average). Gaps where a value is None."""
    width, height, left, bottom, top, right = 420, 250, 40, 50, 14, 8
    plot_w, plot_h = width - left - right, height - bottom - top
    n = max(len(points), 1)
    step = plot_w / n

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + step * (i + 0.5), top + plot_h * (1 - v)

    parts = _open(chart_id, width, height, title, desc or title)
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" font-size="{FONT}" '
            f'fill="{INK}">{pct}%</text>'
        )
    for series, colour, dash in (
        (reference, CLASS_LINE, ' stroke-dasharray="6 4"'),
        (points, BAR, ""),
    ):
        coords = [xy(i, p.value) for i, p in enumerate(series) if p.value is not None]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3"{dash}/>'
            )
        for i, p in enumerate(series):
            if p.value is None:
                continue
            x, y = xy(i, p.value)
            shape = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}">'
                if series is points
                else f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">'
            )
            tag = "circle" if series is points else "rect"
            parts.append(
                f"{shape}<title>{escape(p.label)}: {round(p.value * 100)}%</title></{tag}>"
            )
    fit = int(step / 7)
    for i, p in enumerate(points):
        x, _ = xy(i, 0)
        # Too narrow for names: number the steps; the table beside the chart names them.
        text = _short(p.label, fit) if fit >= 8 else str(i + 1)
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle" '
            f'font-size="{FONT}" fill="{INK}">{escape(text)}</text>'
        )
    legend_y = height - 12
    parts.append(
        f'<circle cx="{left + 6}" cy="{legend_y - 4}" r="5" fill="{BAR}"/>'
        f'<text x="{left + 16}" y="{legend_y}" font-size="{FONT}" fill="{INK}">'
        f"{escape(series_label)}</text>"
    )
    if reference:
        parts.append(
            f'<line x1="{left + 110}" x2="{left + 134}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{CLASS_LINE}" stroke-width="3" stroke-dasharray="6 4"/>'
            f'<text x="{left + 140}" y="{legend_y}" font-size="{FONT}" fill="{INK}">'
            f"{escape(reference_label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def hbars(
    chart_id: str, rows: Sequence[tuple[str, int, str]], *, title: str, desc: str = ""
) -> str:
    """Horizontal bars for (label, count, colour) rows, e.g. verdict counts."""
    row_h, left, width = 30, 150, 420
    height = row_h * max(len(rows), 1) + 10
    peak = max((c for _, c, _ in rows), default=0) or 1
    parts = _open(chart_id, width, height, title, desc or title)
    for i, (label, count, colour) in enumerate(rows):
        y = 5 + i * row_h
        w = (width - left - 60) * count / peak
        parts.append(
            f'<text x="{left - 8}" y="{y + 20}" text-anchor="end" font-size="{FONT}" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{y + 6}" width="{w:.1f}" height="{row_h - 12}" '
            f'fill="{escape(colour)}" rx="3"/>'
            f'<text x="{left + w + 6:.1f}" y="{y + 20}" font-size="{FONT}" '
            f'fill="{INK}">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
