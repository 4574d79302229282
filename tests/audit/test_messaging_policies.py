"""SEC1801 on queue and topic policies: the grants the corpus breaks are refused; these, tied to a caller,
pass."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Corpus
from .mutations import Mutation

STATEMENT = "/Resources/QueuePolicy/Properties/PolicyDocument/Statement/0"


@pytest.mark.parametrize(("principal", "condition"), [
    ("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
    ({"AWS": "*"}, {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}),
    ({"Service": "sns.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": "123456789012"}}),
    ({"AWS": "arn:aws:iam::123456789012:role/Publisher"}, None),
], ids=["everyone-in-the-organisation", "everyone-through-an-endpoint", "sns-of-this-account", "a-named-role"])
def test_a_grant_tied_to_its_caller_passes(corpus: Corpus, principal: Any, condition: Any) -> None:
    patch: list[dict[str, Any]] = [{"op": "replace", "path": f"{STATEMENT}/Principal", "value": principal}]
    patch.append({"op": "replace", "path": f"{STATEMENT}/Condition", "value": condition} if condition else
                 {"op": "remove", "path": f"{STATEMENT}/Condition"})
    name = f"queue-grant-{len(corpus.results)}"
    mutation = Mutation(name, name, "shop", (), {"service-fulfil.yaml": patch}, frozenset())
    _, findings = corpus.run(mutation)
    assert findings == [], [f.render() for f in findings]
