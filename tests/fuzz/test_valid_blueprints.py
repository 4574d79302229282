"""Random VALID blueprints, over the whole format: each one loads, generates the same bytes every time,
stays within CloudFormation's quotas and passes the posture audit; a sample of them also builds end to
end, cfn-lint clean, exactly as `blueprint build` writes it.

Derandomized: CI draws the same blueprints every run. On failure hypothesis prints the blueprint's YAML.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, find, given, note, settings
from hypothesis import strategies as st

from generator.blueprint import Blueprint, BlueprintErrors
from generator.blueprint.load import load_blueprint_bytes
from generator.checks.audit import audit_set, rendered_set
from generator.checks.cache import CleanCache
from generator.checks.quotas import check_quotas
from generator.output import MARKER
from generator.pipeline import ValidationFailed, build, documents, generate, output_files, rendered_documents

from .blueprints import SERVICE_SWITCHES, as_yaml, valid_blueprints

SETTINGS = settings(derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow],
                    print_blob=False)


def load_valid(text: str) -> Blueprint:
    note(f"The blueprint:\n{text}")
    try:
        return load_blueprint_bytes(text.encode(), "random.yaml")
    except BlueprintErrors as errors:
        raise AssertionError(f"the strategy drew a blueprint the loader refuses:\n{errors.render()}") from None


@settings(SETTINGS, max_examples=15, deadline=None)
@given(valid_blueprints().map(as_yaml))
def test_every_valid_blueprint_generates_the_same_audited_templates_within_quotas(text: str) -> None:
    blueprint = load_valid(text)
    data, rendered = rendered_documents(blueprint)
    templates = rendered_set(data, rendered)
    files = output_files(blueprint, data, templates, rendered)
    assert generate(load_valid(text)) == files
    assert documents(load_valid(text)) == data
    assert {"root.yaml", "network.yaml", "cluster.yaml"} <= set(files)
    assert {f"service-{name}.yaml" for name in blueprint.services} <= set(files)
    assert ("catalog.yaml" in files) == (blueprint.catalog is not None)
    assert check_quotas(files, templates) == []
    findings = audit_set(templates)
    assert [finding.render() for finding in findings if finding.level == "error"] == []
    for target in blueprint.targets if blueprint.environments else []:  # each environment's set, audited too
        data, rendered = rendered_documents(target)
        audited = audit_set(rendered_set(data, rendered))
        assert [finding.render() for finding in audited if finding.level == "error"] == []


@settings(SETTINGS, max_examples=12, deadline=None)
@given(st.data())
def test_a_sample_of_valid_blueprints_builds_lint_clean_and_byte_identical(data: st.DataObject) -> None:
    text = data.draw(valid_blueprints().map(as_yaml), label="blueprint")
    blueprint = load_valid(text)
    for target in blueprint.targets:  # the blueprint, or each of its environments
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "random.yaml"
            path.write_text(text, encoding="utf-8")
            try:
                result = build(path, Path(scratch) / "output", cache=CleanCache(None),
                               loaded=(text.encode(), target))
            except ValidationFailed as failed:
                raise AssertionError(f"a valid blueprint fails validation:\n{failed}") from None
            written = {file.name: file.read_bytes() for file in result.directory.iterdir() if file.name != MARKER}
        assert result.directory.name == target.output_name
        assert written == result.files == generate(target)


def test_every_switch_of_a_service_is_drawn_on_and_off() -> None:
    """The switches come from the model, so a new one is fuzzed with no edit to the strategy."""
    assert "exec" in SERVICE_SWITCHES
    for switch in SERVICE_SWITCHES:
        for state in (True, False):
            # find() fails the test (NoSuchExample) when the strategy never draws the switch in this state.
            # Only that such a blueprint exists matters: no shrinking (it took ~25 s a switch).
            find(valid_blueprints(), lambda blueprint, switch=switch, state=state: any(
                service.get(switch) is state for service in blueprint["services"].values()),
                settings=settings(SETTINGS, phases=[Phase.generate]))
