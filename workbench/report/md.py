"""report.md: the same blocks as Markdown; figures are PNG files in figures/ (SVG beside them)."""

from __future__ import annotations

from .document import Block, Code, FigureBlock, Heading, Table, Text

FIGURES_DIR = "figures"


def render(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        out.append(_block(b))
    return "\n\n".join(s for s in out if s) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _block(b: Block) -> str:
    if isinstance(b, Heading):
        return "#" * b.level + " " + b.text
    if isinstance(b, Text):
        return f"> {b.text}" if b.note else b.text
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, FigureBlock):
        f = b.figure
        alt = f.alt.replace("[", "(").replace("]", ")")
        text = (f"![{alt}]({FIGURES_DIR}/{f.name}.png)\n\n"
                f"*{f.title}* ([SVG]({FIGURES_DIR}/{f.name}.svg))")
        return text + ("\n\n" + _table(b.table) if b.table else "")
    if isinstance(b, Code):
        return f"<details><summary>{b.title}</summary>\n\n```json\n{b.text}\n```\n\n</details>"
    raise TypeError(f"unknown block {type(b).__name__}")


def _table(t: Table) -> str:
    numeric = t.numeric or [False] * len(t.header)
    lines = [f"**{t.caption}**", "",
             "| " + " | ".join(_cell(h) for h in t.header) + " |",
             "|" + "|".join("---:" if i < len(numeric) and numeric[i] else "---" for i in range(len(t.header))) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return "\n".join(lines)
