"""The table the bench runner prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One figure: its group, what was measured, the raw value, the ratio, the target."""

    group: str
    name: str
    value: str
    ratio: str
    target: str = ""


def render(rows: list[Row]) -> str:
    """A plain-text table; plain so it survives logs and CI output."""
    header = Row("group", "benchmark", "measured", "ratio to baseline", "target")
    table = [header, *rows]
    widths = [max(len(getattr(r, f)) for r in table) for f in ("group", "name", "value", "ratio")]
    lines = []
    for r in table:
        cells = [r.group, r.name, r.value, r.ratio]
        line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        lines.append(f"{line}  {r.target}".rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)
