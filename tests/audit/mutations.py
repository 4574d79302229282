"""The mutation corpus: clean template sets broken on purpose, the way people break them in practice.

Each `corpus/*.yaml` names what it starts from, how it breaks it, and the findings it must produce:

    title: Bastion admits SSH from the whole internet
    base: photos                  # a clean set: photos, storefront or shop (committed), fargate, mixed, bridge, rollout
    patch:                        # RFC 6902 JSON Patch, per template file of the set
      access.yaml:
        - {op: replace, path: /Resources/BastionSecurityGroupSshIn1/Properties/CidrIp, value: 0.0.0.0/0}
    expect:                       # exactly these findings, no more
      - {rule: SEC601, file: access.yaml, resource: BastionSecurityGroupSshIn1}

Instead of `base`, `templates: [...]` audits hand-written templates from `templates/` as they are.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpatch
import yaml

from generator.checks.audit import Finding

HERE = Path(__file__).parent
REPO = HERE.parents[1]
CORPUS = HERE / "corpus"
HAND_WRITTEN = HERE / "templates"
BLUEPRINTS = HERE / "blueprints"
EXAMPLE = REPO / "output" / "photos"
CLEAN_SETS = ("photos", "fargate", "mixed", "bridge", "storefront", "rollout", "shop")
STOREFRONT = REPO / "output" / "storefront"
SHOP = REPO / "output" / "shop"  # blueprints/shop.yaml: topics, a queue, a job, Spot, a canary


@dataclass(frozen=True, order=True)
class Expected:
    rule: str
    file: str
    resource: str

    def __str__(self) -> str:
        return f"{self.rule} {self.file} {self.resource}"


@dataclass(frozen=True)
class Mutation:
    name: str
    title: str
    base: str | None
    templates: tuple[str, ...]
    patch: dict[str, list[dict[str, Any]]]
    expect: frozenset[Expected]

    def __str__(self) -> str:
        return self.name


def load_corpus() -> list[Mutation]:
    return [_mutation(path) for path in sorted(CORPUS.glob("*.yaml"))]


def _mutation(path: Path) -> Mutation:
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(entry) - {"title", "base", "templates", "patch", "expect"}
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
    assert ("base" in entry) != ("templates" in entry), f"{path.name}: give either base or templates"
    assert entry.get("base", CLEAN_SETS[0]) in CLEAN_SETS, f"{path.name}: base is one of {CLEAN_SETS}"
    assert entry.get("expect"), f"{path.name}: a mutation must expect at least one finding"
    return Mutation(
        name=path.stem,
        title=entry["title"],
        base=entry.get("base"),
        templates=tuple(entry.get("templates", ())),
        patch=entry.get("patch") or {},
        expect=frozenset(Expected(**item) for item in entry["expect"]),
    )


def apply(mutation: Mutation, sources: Iterable[Path], out: Path) -> list[Path]:
    """Copy `sources` into `out`, patching the files the mutation names; the paths of the copies."""
    sources = list(sources)
    missing = set(mutation.patch) - {source.name for source in sources}
    assert not missing, f"{mutation.name}: patches files the set does not have: {sorted(missing)}"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        target = out / source.name
        operations = mutation.patch.get(source.name)
        if operations is None:
            shutil.copyfile(source, target)
        else:
            target.write_text(_dump(source, jsonpatch.apply_patch(_load(source), operations)), encoding="utf-8")
        written.append(target)
    return written


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    # Generated templates are long-form YAML; a short-form one would need cfn-lint's loader to patch.
    return json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=yaml.CSafeLoader)


def _dump(path: Path, data: Any) -> str:
    if path.suffix == ".json":
        return json.dumps(data, indent=2) + "\n"
    return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, width=120)


def found(findings: Iterable[Finding]) -> set[Expected]:
    return {Expected(f.rule_id, Path(f.file).name, f.logical_id) for f in findings}
