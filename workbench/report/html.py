"""report.html: one self-contained file. Figures are PNG data URIs; a Content-Security-Policy
forbids every fetch, so the page reads the same offline and never calls out."""

from __future__ import annotations

import base64
from html import escape

from .document import Block, Code, FigureBlock, Heading, Table, Text

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b; margin: 0 auto;
       max-width: 1400px; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.4rem; border-bottom: 1px solid #ddd; }
nav a { margin-right: 1rem; }
.figure { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: flex-start; margin: 1rem 0 1.6rem; }
.figure figure { margin: 0; flex: 1 1 520px; } .figure img { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: #555; }
.figure .side { flex: 0 1 auto; max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { border-bottom: 1px solid #e4e4e4; padding: .2rem .55rem; text-align: left; vertical-align: top;
         white-space: nowrap; }
pre, td.wrap { white-space: pre-wrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: #6b4e00; background: #fff8e1; padding: .3rem .6rem; border-radius: 4px; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; font-size: .8rem; }
"""


def render(blocks: list[Block], title: str) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"]
    nav = [b for b in blocks if isinstance(b, Heading) and b.level == 2]
    for i, b in enumerate(blocks):
        parts.append(_block(b))
        if i == 1 and nav:
            parts.append("<nav>" + "".join(f'<a href="#{escape(h.anchor)}">{escape(h.text)}</a>' for h in nav)
                         + "</nav>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _block(b: Block) -> str:
    if isinstance(b, Heading):
        anchor = f' id="{escape(b.anchor)}"' if b.anchor else ""
        return f"<h{b.level}{anchor}>{escape(b.text)}</h{b.level}>"
    if isinstance(b, Text):
        return f'<p class="note">{escape(b.text)}</p>' if b.note else f"<p>{escape(b.text)}</p>"
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, FigureBlock):
        f = b.figure
        data = base64.b64encode(f.png).decode("ascii")
        fig = (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(f.alt)}" '
               f'title="{escape(f.title)}"><figcaption>{escape(f.title)}</figcaption></figure>')
        side = f'<div class="side">{_table(b.table)}</div>' if b.table else ""
        return f'<div class="figure">{fig}{side}</div>'
    if isinstance(b, Code):
        return f"<details><summary>{escape(b.title)}</summary><pre>{escape(b.text, quote=False)}</pre></details>"
    raise TypeError(f"unknown block {type(b).__name__}")


def _table(t: Table) -> str:
    numeric = t.numeric or [False] * len(t.header)
    head = "".join(f"<th>{escape(h)}</th>" for h in t.header)
    body = []
    for row in t.rows:
        cells = "".join(f'<td class="num">{escape(c)}</td>' if i < len(numeric) and numeric[i]
                        else f"<td>{escape(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return (f"<table><caption>{escape(t.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")
