"""A small line chart written as SVG by hand: no plotting library is a dependency.

One series per method (mean per x, with a min-max band), optional horizontal reference
lines (the full-shot accuracy). Output is deterministic text, so it diffs well in git.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


@dataclass
class Series:
    name: str
    xs: list[float]
    means: list[float]
    lows: list[float] = field(default_factory=list)  # band (e.g. min over seeds); empty: no band
    highs: list[float] = field(default_factory=list)


@dataclass
class Reference:
    name: str
    y: float


def line_chart(series: list[Series], *, title: str, x_label: str, y_label: str, subtitle: str = "",
               references: list[Reference] = (), width: int = 720, height: int = 420,
               y_range: tuple[float, float] | None = None) -> str:
    if not series:
        raise ValueError("nothing to plot")
    left, right, top, bottom = 64, 190, 56 if subtitle else 44, 56
    pw, ph = width - left - right, height - top - bottom
    xs = [x for s in series for x in s.xs]
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x1 = x0 + 1
    if y_range is None:
        ys = [y for s in series for y in (s.means + s.lows + s.highs)] + [r.y for r in references]
        lo, hi = min(ys), max(ys)
        pad = max(0.02, (hi - lo) * 0.08)
        y_range = (max(0.0, lo - pad), min(1.0, hi + pad) if hi <= 1 else hi + pad)
    y0, y1 = y_range

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>']
    if subtitle:
        out.append(f'<text x="{left}" y="40" fill="#555">{escape(subtitle)}</text>')
    # Grid and axes.
    for i in range(6):
        y = y0 + (y1 - y0) * i / 5
        out.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + pw}" y2="{py(y):.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 8}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.2f}</text>')
    for x in sorted(set(xs)):
        out.append(f'<text x="{px(x):.1f}" y="{top + ph + 18}" text-anchor="middle">{x:g}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 14}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text x="16" y="{top + ph / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 16 {top + ph / 2:.1f})">{escape(y_label)}</text>')
    legend_y = top + 8
    for ref in references:
        out.append(f'<line x1="{left}" y1="{py(ref.y):.1f}" x2="{left + pw}" y2="{py(ref.y):.1f}" '
                   f'stroke="#555" stroke-dasharray="6 4"/>')
        out.append(f'<line x1="{left + pw + 14}" y1="{legend_y:.1f}" x2="{left + pw + 38}" y2="{legend_y:.1f}" '
                   f'stroke="#555" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{left + pw + 44}" y="{legend_y + 4:.1f}">{escape(ref.name)}</text>')
        legend_y += 20
    for i, s in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        if s.lows and s.highs:
            band = [(px(x), py(h)) for x, h in zip(s.xs, s.highs)]
            band += [(px(x), py(lo)) for x, lo in reversed(list(zip(s.xs, s.lows)))]
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in band)
            out.append(f'<polygon points="{pts}" fill="{color}" fill-opacity="0.12" stroke="none"/>')
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(s.xs, s.means))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2.2"/>')
        for x, y in zip(s.xs, s.means):
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{color}"/>')
        out.append(f'<line x1="{left + pw + 14}" y1="{legend_y:.1f}" x2="{left + pw + 38}" y2="{legend_y:.1f}" '
                   f'stroke="{color}" stroke-width="2.2"/>')
        out.append(f'<text x="{left + pw + 44}" y="{legend_y + 4:.1f}">{escape(s.name)}</text>')
        legend_y += 20
    out.append("</svg>")
    return "\n".join(out) + "\n"
