"""The one way to turn domain names into CloudFormation logical IDs."""

from __future__ import annotations


def logical_id(*parts: str) -> str:
    """`logical_id("images", "Service")` -> `ImagesService`; dashes split words."""
    words: list[str] = []
    for part in parts:
        for word in part.replace("_", "-").split("-"):
            if word:
                words.append(word[0].upper() + word[1:])
    return "".join(words)
