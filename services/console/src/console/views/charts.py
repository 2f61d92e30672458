"""Charts drawn on the server as SVG: no chart library in the browser, nothing to load, and
the numbers are in the page for a screen reader (the chart's title and a table beside it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, MARGIN, LEGEND = 720, 240, 36, 18


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str  # coloured by the console's style sheet
    values: Sequence[int]


def bars(title: str, labels: Sequence[str], series: Iterable[Series]) -> str:
    """Grouped bars, one group per label, one bar per series; the tallest bar fills the height."""
    drawn = list(series)
    top = max([1, *(v for s in drawn for v in s.values)])
    groups = max(1, len(labels))
    group_width = (WIDTH - 2 * MARGIN) / groups
    bar_width = group_width * 0.8 / max(1, len(drawn))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + LEGEND}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<line class="axis" x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}"/>',
        f'<text class="tick" x="2" y="{MARGIN}">{top:,}</text>',
    ]
    usable = HEIGHT - 2 * MARGIN
    for g, label in enumerate(labels):
        x0 = MARGIN + g * group_width + group_width * 0.1
        for i, s in enumerate(drawn):
            value = s.values[g] if g < len(s.values) else 0
            height = usable * value / top
            x = x0 + i * bar_width
            parts.append(
                f'<rect class="{s.css_class}" x="{x:.1f}" y="{HEIGHT - MARGIN - height:.1f}" '
                f'width="{bar_width:.1f}" height="{height:.1f}"><title>{escape(s.name)} {escape(label)}: '
                f"{value:,}</title></rect>"
            )
        if groups <= 24 or g % max(1, groups // 12) == 0:
            parts.append(f'<text class="tick" x="{x0:.1f}" y="{HEIGHT - MARGIN + 14}">{escape(label)}</text>')
    for i, s in enumerate(drawn):
        x = MARGIN + i * 160
        parts.append(f'<rect class="{s.css_class}" x="{x}" y="{HEIGHT + 2}" width="12" height="12"/>')
        parts.append(f'<text class="tick" x="{x + 16}" y="{HEIGHT + 12}">{escape(s.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
