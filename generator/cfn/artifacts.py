"""Where each published template lives in S3: content-addressed, so a published version never changes.

A child template's key carries the hash of its own bytes, so an unchanged template keeps its key and
is never uploaded again. The packaged root (its TemplateURLs pointing at the children's keys) is keyed
by the hash of every template of the set, so any change anywhere gives a new root, while the old one
stays launchable. The Service Catalog template and `blueprint publish` both use these functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

ROOT = "root.yaml"
STACK_TYPE = "AWS::CloudFormation::Stack"  # a nested stack: how a parent names its children


def content_id(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def release_id(templates: Mapping[str, bytes]) -> str:
    """One id for a whole set of templates: any byte changed anywhere changes it."""
    digest = hashlib.sha256()
    for name in sorted(templates):
        digest.update(f"{name}\0{content_id(templates[name])}\n".encode())
    return digest.hexdigest()[:16]


def normalized_prefix(prefix: str) -> str:
    """`""`, `"a"` and `"a/"` give `""`, `"a/"`, `"a/"`."""
    cleaned = prefix.strip("/")
    return f"{cleaned}/" if cleaned else ""


def child_key(prefix: str, application: str, filename: str, content: bytes) -> str:
    return f"{normalized_prefix(prefix)}{application}/{content_id(content)}/{filename}"


def root_key(prefix: str, application: str, templates: Mapping[str, bytes]) -> str:
    return f"{normalized_prefix(prefix)}{application}/{release_id(templates)}/{ROOT}"


def artifact_keys(prefix: str, application: str, templates: Mapping[str, bytes]) -> dict[str, str]:
    """File name -> S3 key for a nested set (root.yaml and its children): the children under their own
    content, root.yaml (packaged) under the whole set's release id."""
    keys = {name: child_key(prefix, application, name, content) for name, content in templates.items() if name != ROOT}
    keys[ROOT] = root_key(prefix, application, templates)
    return keys
