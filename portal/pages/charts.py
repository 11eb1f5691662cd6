"""Charts drawn by the server as SVG (no script, no outside address): horizontal bars with their values."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, ROW, LABEL = 640, 30, 200


def bar_chart(rows: list[tuple[str, float | None]], title: str, unit: str = "") -> Markup:
    """One bar per (label, value); the longest bar fills the width."""
    values = [value or 0 for _, value in rows]
    top = max(values, default=0) or 1
    height = ROW * max(len(rows), 1) + 10
    # In a box of its own that scrolls sideways on a phone: scaled down to 360 pixels, its labels were 5 pixels high.
    parts = [f'<div class="chart-box"><svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    if not rows:
        parts.append('<text x="10" y="22" class="chart-empty">暂无数据</text>')
    for index, ((label, value), number) in enumerate(zip(rows, values, strict=True)):
        y = 5 + index * ROW
        bar = (WIDTH - LABEL - 90) * number / top
        shown = "—" if value is None else f"{value:g}{unit}"
        parts.append(
            f'<g class="bar"><text x="{LABEL - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y + 4}" width="{bar:.1f}" height="{ROW - 10}" rx="3"></rect>'
            f'<text x="{LABEL + bar + 6:.1f}" y="{y + 19}" class="value">{escape(shown)}</text></g>'
        )
    parts.append("</svg></div>")
    return Markup("".join(parts))
