"""Publishing a built template set to S3 under content-addressed keys, root last.

The keys are generator/cfn/artifacts.py's, the ones catalog.yaml's products load from:
`PREFIX/NAME/HASH/FILE`. A child's HASH is that of its own bytes, so an unchanged template keeps
its key and is not uploaded again (it is already there). The root is packaged the way
`aws cloudformation package` does it (its relative `TemplateURL`s pointing at the uploaded
children) and keyed by the release id of the whole set, so any change anywhere gives a new root
while every older one stays launchable. A published object never changes.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from generator.cfn.artifacts import ROOT, artifact_keys, child_key, normalized_prefix
from generator.cfn.layout import nested_files  # also what lint and its cache read: one reading
from generator.cfn.reader import TemplateReadError, read_template
from generator.cfn.render import render_data
from generator.cfn.stackfiles import CATALOG
from generator.deploy.aws import Aws, DeployError, aws_errors, error_code, quick_create_link, template_url
from generator.output import is_template
from generator.stacks.products import product_templates

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")


class Release(Protocol):
    """A blueprint's files, built and validated by the pipeline (generator.pipeline.BuildResult is one).
    Building is the pipeline's job, above this layer: publish and deploy are handed a function that builds."""

    @property
    def name(self) -> str: ...

    @property
    def files(self) -> Mapping[str, bytes]: ...


Build = Callable[[], Release]


@dataclass(frozen=True)
class Upload:
    filename: str
    key: str
    body: bytes


@dataclass
class Published:
    name: str  # the blueprint's
    bucket: str
    base: str  # PREFIX/NAME: every key of every version is under it
    region: str  # where stacks are made (the links' region)
    endpoint_url: str | None
    root_key: str
    root_url: str
    prefix: str = ""  # normalized: "" or "team/"
    catalog_url: str | None = None  # catalog.yaml's, when the blueprint has a catalog
    uploaded: list[str] = field(default_factory=list)  # keys put now
    existing: list[str] = field(default_factory=list)  # keys already there

    def console_link(self, stack_name: str) -> str:
        return quick_create_link(self.root_url, stack_name, self.region)

    def cli_commands(self, stack_name: str) -> list[str]:
        """The AWS CLI way to the same stack. `deploy` reads only a local template file, so the packaged
        root is copied down first; its TemplateURLs already point at the published children."""
        local = f"{self.name}-root.yaml"
        common = ["--region", self.region]
        if self.endpoint_url:
            common += ["--endpoint-url", self.endpoint_url]
        copy = ["aws", "s3", "cp", f"s3://{self.bucket}/{self.root_key}", local, *common]
        deploy = ["aws", "cloudformation", "deploy", "--template-file", local, "--stack-name", stack_name,
                  "--capabilities", *CAPABILITIES, "--s3-bucket", self.bucket, *common]
        return [shlex.join(copy), shlex.join(deploy)]


    def catalog_lines(self) -> list[str]:
        """How to launch the Service Catalog portfolio stack, whose products load the keys just published
        (the bucket must be in the stack's region: the products' URLs name it)."""
        if self.catalog_url is None:
            return []
        stack = f"{self.name}-catalog"
        parameters = {"TemplateBucket": self.bucket, **({"TemplatePrefix": self.prefix} if self.prefix else {})}
        link = quick_create_link(self.catalog_url, stack, self.region) + "".join(
            f"&param_{key}={quote(value, safe='')}" for key, value in parameters.items())
        deploy = ["aws", "cloudformation", "deploy", "--template-file", f"output/{self.name}/{CATALOG}",
                  "--stack-name", stack, "--s3-bucket", self.bucket, "--capabilities", "CAPABILITY_IAM",
                  "--parameter-overrides", *(f"{key}={value}" for key, value in parameters.items()),
                  "--region", self.region, *(["--endpoint-url", self.endpoint_url] if self.endpoint_url else [])]
        return [f"catalog template: {self.catalog_url}", f"catalog console (quick create): {link}",
                f"  {shlex.join(deploy)}"]


def load(body: bytes, filename: str = "template") -> dict[str, Any]:
    """A template of the set being published, as data."""
    try:
        return read_template(body, filename)
    except TemplateReadError as exc:
        raise DeployError(str(exc)) from None


def application_files(nesting: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The root and every template it nests, at any depth: the set one release id covers.
    `nesting`: file -> its nested_files()."""
    found: list[str] = []

    def visit(filename: str) -> None:
        if filename in found or filename not in nesting:
            return
        found.append(filename)
        for child in nesting[filename].values():
            visit(child)

    visit(ROOT)
    return found


def package(files: Mapping[str, bytes], prefix: str, name: str, url: Callable[[str], str]) -> list[Upload]:
    """Every template of `files` with its key, children before the stacks that nest them, the root
    last; relative TemplateURLs rewritten to `url(key)`. Templates outside the root's set (catalog.yaml)
    are uploaded as they are, under their content key. With catalog.yaml, the products' templates too
    (generator/stacks/products.py: the same set without its IAM resources), before everything else. Pure."""
    templates = {filename: body for filename, body in files.items() if is_template(filename)}
    if ROOT not in templates:
        raise DeployError(f"the template set has no {ROOT}")
    nesting = {filename: nested_files(load(body, filename)) for filename, body in templates.items()}
    application = application_files(nesting)
    uploads = _packaged(templates, nesting, prefix, name, url, application=application)
    if CATALOG not in templates:
        return uploads
    products = product_templates(name, {filename: load(templates[filename], filename) for filename in application})
    published = {filename: render_data(document) for filename, document in products.templates.items()}
    keys = {upload.key for upload in uploads}  # a product template the same as its nested one is uploaded once
    return [upload for upload in _packaged(published, nesting, prefix, name, url, label=PRODUCT_LABEL)
            if upload.key not in keys] + uploads


PRODUCT_LABEL = "product {}"  # how a product's template is named in what publish reports


def _packaged(templates: Mapping[str, bytes], nesting: Mapping[str, Mapping[str, str]], prefix: str, name: str,
              url: Callable[[str], str], *, application: list[str] | None = None, label: str = "{}") -> list[Upload]:
    """`templates` keyed and packaged, the root last. `application`: the files the root's release id covers."""
    covered = application if application is not None else list(templates)
    keys = artifact_keys(prefix, name, {filename: templates[filename] for filename in covered})
    done: dict[str, Upload] = {}

    def visit(filename: str, trail: tuple[str, ...]) -> Upload:
        if filename in done:
            return done[filename]
        if filename in trail:
            raise DeployError(f"nested stacks form a cycle: {' -> '.join((*trail, filename))}")
        if filename not in templates:
            raise DeployError(f"{trail[-1]} nests {filename}, which is not in the template set")
        body = templates[filename]
        children = nesting[filename]
        if children:
            data = load(body, filename)
            for logical_id, child in children.items():
                data["Resources"][logical_id]["Properties"]["TemplateURL"] = url(visit(child, (*trail, filename)).key)
            body = render_data(data)
        key = keys.get(filename) or child_key(prefix, name, filename, templates[filename])
        done[filename] = Upload(label.format(filename), key, body)
        return done[filename]

    for filename in sorted(templates, key=lambda filename: (filename == ROOT, filename)):
        visit(filename, ())
    return list(done.values())


def base_key(prefix: str, name: str) -> str:
    return f"{normalized_prefix(prefix)}{name}"


def publish(aws: Aws, files: Mapping[str, bytes], *, name: str, bucket: str, prefix: str = "",
            bucket_region: str | None = None) -> Published:
    """Upload what is not there yet, children first; return the packaged root's key and URL.
    `bucket_region`: check_bucket()'s answer, when the caller has already asked."""
    s3 = aws.client("s3")
    bucket_region = bucket_region or check_bucket(s3, bucket) or aws.region

    def url(key: str) -> str:
        return template_url(bucket, key, bucket_region, emulated=aws.emulated)

    base = base_key(prefix, name)
    uploads = package(files, prefix, name, url)
    root = uploads[-1]
    catalog = [upload for upload in uploads if upload.filename == CATALOG]
    published = Published(name, bucket, base, aws.region, aws.endpoint_url, root.key, url(root.key),
                          normalized_prefix(prefix), url(catalog[0].key) if catalog else None)
    with aws_errors(doing=f"uploading to s3://{bucket}"):
        for upload in uploads:
            if exists(s3, bucket, upload.key):
                published.existing.append(upload.key)
                continue
            s3.put_object(Bucket=bucket, Key=upload.key, Body=upload.body, ContentType="application/yaml")
            published.uploaded.append(upload.key)
    return published


def publish_built(aws: Aws, build: Build, *, bucket: str, prefix: str = "") -> Published:
    """`blueprint publish`: the bucket checked first (a missing bucket is said before a build that takes
    seconds), then the blueprint built, then its templates uploaded."""
    bucket_region = check_bucket(aws.client("s3"), bucket)
    release = build()
    return publish(aws, release.files, name=release.name, bucket=bucket, prefix=prefix, bucket_region=bucket_region)


def check_bucket(s3: Any, bucket: str) -> str | None:
    """That the bucket exists and is ours to use; its region when S3 says."""
    from botocore.exceptions import ClientError, ParamValidationError

    with aws_errors(doing=f"bucket {bucket}"):
        try:
            response = s3.head_bucket(Bucket=bucket)
        except ParamValidationError as exc:  # botocore's own check of the name, before any request
            reason = str(exc).splitlines()[-1].split(": ", 1)[-1]
            raise DeployError(f"--bucket {bucket!r}: {' '.join(reason.split())}") from None
        except ClientError as exc:
            code = error_code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise DeployError(f"bucket {bucket} does not exist; create it first "
                                  f"(aws s3 mb s3://{bucket}) or pass another --bucket") from None
            if code in ("403", "AccessDenied", "Forbidden"):
                raise DeployError(f"--bucket {bucket}: access denied (it may belong to another account)") from None
            raise
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return response.get("BucketRegion") or headers.get("x-amz-bucket-region")


def exists(s3: Any, bucket: str, key: str) -> bool:
    """Whether the key is there. A 403 means "cannot tell" (no s3:ListBucket): upload again, which is
    harmless, since the key names its content."""
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound", "403", "Forbidden", "AccessDenied"):
            return False
        raise
    return True


def summary(published: Published, stack_name: str) -> str:
    """What `blueprint publish` prints: counts, the root's URL, the console link, the CLI commands."""
    lines = [
        f"published {published.name} to s3://{published.bucket}/{published.base}/: "
        f"{len(published.uploaded)} uploaded, {len(published.existing)} already there",
        f"root template: {published.root_url}",
        f"console (quick create): {published.console_link(stack_name)}",
        "aws cli:",
        *(f"  {command}" for command in published.cli_commands(stack_name)),
        *published.catalog_lines(),
    ]
    return "\n".join(lines) + "\n"

