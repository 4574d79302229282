"""The docs that are generated from code stay in step with it."""

from __future__ import annotations

import re
from pathlib import Path

from generator.blueprint.model import Blueprint
from generator.blueprint.reference import reference_markdown
from generator.stacks.scanner import ALLOWED_SKIPS

ROOT = Path(__file__).resolve().parent.parent


def test_blueprint_reference_is_current() -> None:
    committed = (ROOT / "docs" / "blueprint.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "run `blueprint schema --markdown > docs/blueprint.md`"


def test_reference_documents_every_key_of_every_block() -> None:
    text = reference_markdown()
    for name in Blueprint.model_fields:
        assert f"| `{name}` |" in text
    for name in ("allowed_cidrs", "client_cidr", "requests_per_target", "ssl_policy", "grace_seconds", "volume_gb"):
        assert f"| `{name}` |" in text


def test_scanner_skips_are_all_documented_with_their_reasons() -> None:
    text = (ROOT / "docs" / "scanner.md").read_text(encoding="utf-8")
    for check_id, reason in ALLOWED_SKIPS.items():
        assert check_id in text
        assert reason in text
    documented = set(re.findall(r"^\| (CKV\w+) \|", text, flags=re.MULTILINE))
    assert documented == set(ALLOWED_SKIPS), "docs/scanner.md lists a skip the code no longer allows, or misses one"
