"""The stack registry: each kind listed once, in nesting order, and everything that needs the kinds reads
it: the children root.yaml nests, the products catalog.yaml offers (and the loader's count of them), the
diff's stack order, and the parameter names the console labels."""

from __future__ import annotations

import pytest
from troposphere import Output, Template, sns

from generator.blueprint import Blueprint
from generator.cfn.stackfiles import CATALOG, CATALOG_PIECES, ROOT, catalog_products, template_kind
from generator.pipeline import documents
from generator.review.diff.compare import _stack_order
from generator.stacks import application
from generator.stacks.parameters import LABELS, LOAD_BALANCER_SECURITY_GROUP, SERVICE_URL, callee_url
from generator.stacks.registry import CHILDREN, KINDS, StackKind, kind_of, nesting_order
from generator.stacks.sources import record_source

from .helpers import load

SHOP = """\
name: shop
network: {availability_zones: [us-east-1a, us-east-1b]}
cluster: {instances: {type: t3.small, key_name: ops}, fargate: true}
access: {bastion: {allowed_cidrs: [203.0.113.0/24]}}
services:
  web: {image: nginx, port: 8080, expose: public, launch_type: fargate, talks_to: [images]}
  images: {image: nginx, port: 8080, talks_to: [worker-api]}
  worker-api: {image: nginx, port: 8080}
  mailer: {image: nginx}
catalog: {portfolio: Shop, owner: platform}
"""


def test_each_kind_is_listed_once_root_first_and_the_catalog_last() -> None:
    kinds = [kind.kind for kind in KINDS]

    assert len(set(kinds)) == len(kinds)
    assert (KINDS[0].file, KINDS[-1].file) == (ROOT, CATALOG)
    assert all(kind.build is not None for kind in CHILDREN) and ROOT not in {kind.file for kind in CHILDREN}


def test_root_nests_the_children_in_the_registry_s_order() -> None:
    templates = documents(load(SHOP))
    nested = list(templates[ROOT]["Resources"])

    assert nested == ["Network", "Cluster", "Access", "WorkerApiService", "ImagesService", "WebService",
                      "MailerService"]  # services callees first
    assert list(templates) == [ROOT, "network.yaml", "cluster.yaml", "access.yaml", "service-worker-api.yaml",
                               "service-images.yaml", "service-web.yaml", "service-mailer.yaml", CATALOG]
    for file in templates:
        kind = kind_of(file)
        assert kind is not None and kind.filename(template_kind(file)[1]) == file


def test_the_diff_orders_stacks_as_they_nest() -> None:
    files = ["catalog.yaml", "service-api.yaml", "notes.yaml", "access.yaml", "root.yaml", "cluster.yaml",
             "network.yaml"]

    assert sorted(files, key=_stack_order) == ["root.yaml", "network.yaml", "cluster.yaml", "access.yaml",
                                               "service-api.yaml", "catalog.yaml", "notes.yaml"]
    assert nesting_order("notes.yaml") == len(KINDS)


def test_the_catalog_offers_what_the_loader_counts() -> None:
    """The loader sizes catalog.yaml by `catalog_products`; the builder offers each registry kind that says
    how it is a product, so the two agree by construction, and no kind has wording it is not offered with."""
    blueprint = load(SHOP)
    products = [rid for rid, entry in documents(blueprint)[CATALOG]["Resources"].items()
                if entry["Type"] == "AWS::ServiceCatalog::CloudFormationProduct"]

    assert len(products) == catalog_products(len(blueprint.services))
    assert products == ["ApplicationProduct", "NetworkProduct", "ClusterProduct", "WebServiceProduct",
                        "ImagesServiceProduct", "WorkerApiServiceProduct", "MailerServiceProduct"]
    assert {kind.kind for kind in KINDS if kind.offered and kind.file != ROOT and not kind.per_service} \
        == set(CATALOG_PIECES)
    assert all((kind.product is not None) == kind.offered for kind in KINDS)


def test_every_parameter_a_child_takes_is_named_and_labelled_once() -> None:
    templates = documents(load(SHOP))
    taken = {name for file, template in templates.items() if file not in (ROOT, CATALOG)
             for name in template.get("Parameters", {})}
    callee_groups = {name for name in taken if name.endswith(LOAD_BALANCER_SECURITY_GROUP)}
    callee_urls = {name for name in taken if name.endswith(SERVICE_URL)}

    # Every caller with a group of its own takes its callee's: web (Fargate) calls images, images (EC2) worker-api.
    assert callee_groups == {"ImagesLoadBalancerSecurityGroup", "WorkerApiLoadBalancerSecurityGroup"}
    # Every caller takes its callee's URL, each by the one name parameters.callee_url gives it.
    assert callee_urls == {callee_url("images"), callee_url("worker-api")}
    assert callee_urls == {"ImagesServiceUrl", "WorkerApiServiceUrl"}
    rest = taken - callee_groups - callee_urls
    assert rest <= set(LABELS), sorted(rest - set(LABELS))


def _build_audit(blueprint: Blueprint) -> Template:
    template = Template()
    template.set_version("2010-09-09")
    topic = template.add_resource(record_source(sns.Topic("AuditTopic"), "name"))
    template.add_output(Output("AuditTopic", Value=topic.ref()))
    return template


def test_a_new_kind_is_its_builder_and_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    audit = StackKind("audit.yaml", "name", _build_audit)
    monkeypatch.setattr(application, "CHILDREN", (*CHILDREN[:1], audit, *CHILDREN[1:]))

    templates = application.build_templates(load(SHOP))

    assert "audit.yaml" in templates
    nested = templates[ROOT].resources["Audit"]
    assert nested.properties["TemplateURL"] == "audit.yaml" and nested.Metadata == {"Source": "name"}
    assert list(templates[ROOT].resources).index("Audit") == 1
