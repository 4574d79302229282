"""Counts in messages, in English: "1 template", "2 templates" (every layer prints counts through here)."""

from __future__ import annotations

# Plurals that are not the noun with an "s" appended; every other noun of the messages takes "s".
IRREGULAR = {"process": "processes", "was": "were", "is": "are", "has": "have"}


def plural(noun: str, count: int) -> str:
    """The noun as `count` of it reads: the singular for exactly one, the plural otherwise (0 templates)."""
    if count == 1:
        return noun
    return IRREGULAR.get(noun, noun + "s")


def counted(count: int, noun: str) -> str:
    """`count` and its noun: counted(1, "audit warning") is "1 audit warning", counted(0, ...) "0 ...s"."""
    return f"{count:,} {plural(noun, count)}"
