"""The existing network's declaration is never trusted silently (SEC1401): what the corpus cannot tell apart
(two findings on one resource) is checked here; the corpus holds the declarations that must not be trusted."""

from __future__ import annotations

import pytest

from .conftest import Corpus
from .mutations import Expected, Mutation

ROOT = "existing-network-root.yaml"


def _run(corpus: Corpus, name: str, patch: list[dict[str, object]]) -> list[str]:
    mutation = Mutation(name, name, None, (ROOT, "internal-service.yaml"), {ROOT: patch},
                        frozenset({Expected("SEC1401", ROOT, "Service")}))
    _, findings = corpus.run(mutation)
    return [f.message for f in findings if f.rule_id == "SEC1401"]


@pytest.mark.parametrize("passed", [
    {"Fn::Split": [",", {"Fn::Join": [",", {"Ref": "AppSubnets"}]}]},
    {"Fn::If": ["Always", {"Ref": "AppSubnets"}, {"Ref": "AppSubnets"}]},
], ids=["split-of-a-join", "behind-if"])
def test_trusted_subnets_are_said_however_they_are_passed(corpus: Corpus, passed: dict[str, object]) -> None:
    messages = _run(corpus, f"declared-passed-{next(iter(passed))}", [
        {"op": "add", "path": "/Conditions", "value": {"Always": {"Fn::Equals": ["a", "a"]}}},
        {"op": "replace", "path": "/Resources/Service/Properties/Parameters/PrivateSubnets", "value": passed},
    ])
    assert any(message.startswith("takes AppSubnets as private subnets") for message in messages), messages

