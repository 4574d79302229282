"""What this tool writes into a resource's `Metadata`, for the layers that read it back (diff, diagram)."""

from __future__ import annotations

# The blueprint key path(s) a resource comes from (generator/stacks/sources.py writes it).
SOURCE_KEY = "Source"
