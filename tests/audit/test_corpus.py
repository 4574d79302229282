"""The mutation corpus: every template set broken on purpose fails with exactly the findings it names,
at the right template, logical ID and line; the clean sets it starts from pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.checks.audit import Finding, all_rules, audit_files

from .conftest import CleanSets, Corpus
from .mutations import CLEAN_SETS, Mutation, found, load_corpus

CORPUS = load_corpus()


@pytest.mark.parametrize("name", CLEAN_SETS)
def test_clean_set_has_no_findings(name: str, clean_sets: CleanSets) -> None:
    files = clean_sets.files(name)
    assert len(files) >= 5, "expected a whole nested set: root, network, cluster, services"
    assert audit_files(files) == []


@pytest.mark.parametrize("mutation", CORPUS, ids=str)
def test_mutation_triggers_exactly_its_findings(mutation: Mutation, corpus: Corpus) -> None:
    _, findings = corpus.run(mutation)
    actual = found(findings)
    missing = sorted(mutation.expect - actual)
    unexpected = sorted(actual - mutation.expect)
    assert not missing and not unexpected, (
        f"{mutation.title}\n  missing:    {[str(e) for e in missing]}\n  unexpected: {[str(e) for e in unexpected]}"
        + "".join(f"\n    {f.render()}" for f in findings)
    )


@pytest.mark.parametrize("mutation", CORPUS, ids=str)
def test_findings_point_at_the_logical_id(mutation: Mutation, corpus: Corpus) -> None:
    _, findings = corpus.run(mutation)
    for finding in findings:
        line = _line(finding).strip().strip('"')
        # A resource an Fn::ForEach made points at the loop's key, `HostDebug${Port}`.
        pattern = re.sub(r"\\\$\\\{.*?\\\}", ".+", re.escape(line.removeprefix("- ").split(":", 1)[0]))
        assert line.startswith(finding.logical_id) or re.fullmatch(pattern, finding.logical_id), \
            (finding.render(), line)
        assert finding.message and finding.title


def test_a_role_trusting_every_aws_principal_says_so(corpus: Corpus) -> None:
    _, findings = corpus.run(next(m for m in CORPUS if m.name == "role-trusts-everyone"))
    assert [f.message for f in findings] == ["role trusts everyone (*); trust exactly one service principal"]


def test_every_expected_rule_exists() -> None:
    known = {rule.id for rule in all_rules()}
    for mutation in CORPUS:
        assert {e.rule for e in mutation.expect} <= known, mutation.name


def test_every_rule_is_triggered_by_some_mutation(corpus: Corpus) -> None:
    """Adding a rule means adding a mutation that breaks it; this fails until there is one."""
    triggered: dict[str, list[str]] = {}
    for mutation in CORPUS:
        _, findings = corpus.run(mutation)
        for finding in findings:
            triggered.setdefault(finding.rule_id, []).append(mutation.name)
    untested = [rule.id for rule in all_rules() if rule.id not in triggered]
    assert not untested, f"rules no mutation in tests/audit/corpus/ triggers: {untested}"


def test_the_corpus_covers_what_people_break() -> None:
    """The breaks the audit exists for, by name, so none silently drops out of the corpus."""
    names = {mutation.name for mutation in CORPUS}
    assert names >= {
        "host-group-open-to-the-world", "load-balancer-egress-all-protocols", "bastion-ssh-from-the-world",
        "host-launch-template-public-ip", "hosts-on-a-launch-configuration", "hosts-allow-imdsv1",
        "internal-load-balancer-in-public-subnets", "fargate-task-public-ip", "group-without-egress",
        "rule-without-description", "wildcard-action", "role-trusts-everyone",
        "load-balancer-keeps-invalid-headers", "https-listener-old-tls-policy", "https-listener-without-tls-policy",
        "vpc-without-flow-logs", "unencrypted-host-volume", "public-load-balancer-admits-ssh",
        "http-listener-forwards-beside-https", "internal-load-balancer-admits-a-cidr", "hosts-admit-each-other",
        "load-balancer-egress-to-a-cidr", "vpc-endpoint-in-public-subnets", "hosts-in-public-subnets",
    }


def _line(finding: Finding) -> str:
    lines = Path(finding.file).read_text(encoding="utf-8").splitlines()
    assert 1 <= finding.line <= len(lines), finding.render()
    return lines[finding.line - 1]
