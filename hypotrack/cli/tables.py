"""Text tables and figures as the commands print them."""

from __future__ import annotations


def table(rows: list[list[str]], header: list[str]) -> str:
    """Rows as aligned columns; every cell folded to one line (a paragraph cannot break a table)."""
    from hypotrack.domain.text import one_line

    rows = [[one_line(c) for c in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * wd for wd in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


def flag_counts(counts: dict[str, int]) -> str:
    """'1 ‼ red, 2 ! amber' (severities with none left out), or 'none'."""
    from hypotrack.domain.wording import severity_words

    return ", ".join(f"{n} {severity_words(sev)}" for sev, n in counts.items() if n) or "none"
