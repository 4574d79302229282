"""The catalogue of loader errors (docs/errors.md): one small input per error, and what the loader says.

The messages in the catalogue are not written by hand: `render()` runs the loader on each example, so
the page shows exactly what a user sees. A test keeps the committed page equal to `render()` and checks
that every rule, every kind of model error and every message of the YAML reader has an example here.
Render with `python -m generator.blueprint.catalogue > docs/errors.md`.
"""

from __future__ import annotations

from generator.blueprint import catalogue_jobs, catalogue_messaging
from generator.blueprint.catalogue_deployment import EXAMPLES as DEPLOYMENT_EXAMPLES
from generator.blueprint.catalogue_domain import DOMAIN_EXAMPLES, DOMAINS_ABOUT
from generator.blueprint.catalogue_environments import ENVIRONMENT_EXAMPLES
from generator.blueprint.catalogue_examples import ACM, MINIMAL, Example, services
from generator.blueprint.catalogue_network import EXISTING_NETWORK
from generator.blueprint.catalogue_rules import RULES
from generator.blueprint.errors import BlueprintErrors
from generator.blueprint.load import load_blueprint
from generator.blueprint.source import MAX_BYTES, MAX_DEPTH, MAX_NODES

FILE = [
    Example("The file is larger than 1 MiB", b"name: photos\n# " + b"x" * MAX_BYTES + b"\n", "file",
            shown=f"name: photos\n# ...a comment of {MAX_BYTES:,} characters..."),
    Example("The file is not UTF-8", b"name: photos\nservices:\n  api: {image: caf\xe9}\n", "file",
            shown="name: photos\nservices:\n  api: {image: caf\\xe9}   # Latin-1: the byte 0xE9"),
    Example("A character YAML does not allow", b"name: photos\x00\nservices:\n  api: {image: nginx}\n", "file",
            shown="name: photos\\x00   # a NUL byte\nservices:\n  api: {image: nginx}"),
    Example("Invalid YAML", """\
        name: photos
        services:
          api: {image: nginx
          images: {image: nginx}
        """, "file"),
    Example("Invalid YAML: an unclosed quote", """\
        name: "photos
        services: {}
        """, "file"),
    Example("Tabs for indentation", "name: photos\nservices:\n\tapi: {image: nginx}\n", "file",
            shown="name: photos\nservices:\n<TAB>api: {image: nginx}"),
    Example("Several YAML documents", """\
        name: photos
        services:
          api: {image: nginx}
        ---
        name: videos
        """, "file"),
    Example("An empty file", "# nothing but a comment\n", "file"),
    Example("A list instead of a mapping", "- name: photos\n", "file"),
    Example("A single value instead of a mapping", "photos\n", "file"),
    Example("Too many values", "name: photos\nservices: {api: {image: nginx}}\nx: [" + "0, " * MAX_NODES + "]\n",
            "file", shown=f"name: photos\nservices: {{api: {{image: nginx}}}}\nx: [0, 0, 0, ...]   "
            f"# {MAX_NODES:,} values"),
    Example("An alias bomb", """\
        a: &a [x, x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
        name: photos
        """, "file"),
    Example("Nested too deeply", f"name: photos\ntags: {'{a: ' * (MAX_DEPTH + 1)}b{'}' * (MAX_DEPTH + 1)}\n", "file"),
    Example("A recursive alias", "name: photos\ntags: &t {team: *t}\nservices:\n  api: {image: nginx}\n", "file"),
    Example("Duplicate keys", """\
        name: photos
        services:
          api:
            image: nginx
            port: 8080
            image: httpd
        """, "file"),
    Example("A key that is not a string", "name: photos\n[a, b]: c\nservices:\n  api: {image: nginx}\n", "file"),
    Example("A merge key (<<) of something other than mappings", """\
        name: photos
        services:
          api:
            <<: nginx
            image: nginx
        """, "file"),
    Example("Merge keys nested too deeply, or merging themselves", """\
        name: photos
        defaults: &defaults {<<: *defaults}
        services:
          api: {<<: *defaults, image: nginx}
        """, "file"),
    Example("A tag that builds an object", "name: !!python/object/apply:os.system [ls]\nservices:\n"
            "  api: {image: nginx}\n", "file"),
    Example("A tag that does not fit its value", MINIMAL + "tags: !!str {team: platform}\n", "file"),
    Example("Half of a surrogate pair", 'name: "photos\\ud83d"\nservices:\n  api: {image: nginx}\n', "file"),
    Example("A key with half of a surrogate pair", services('image: nginx, environment: {"A\\udc00": x}'), "file"),
    Example("A number too long to be one", services("image: nginx, port: " + "9" * 120), "file",
            shown="name: photos\nservices:\n  api: {image: nginx, port: 99999...}   # 120 digits"),
    Example("A value YAML cannot read", services("image: nginx, port: 2024-02-30"), "file"),
    # YAML 1.1 reads these as something other than they say (YAML 1.2 and JSON would not): refused, with the
    # value YAML 1.1 gives them. `environment` and `tags` values are text kept as written, so they are fine there.
    Example("A number with a leading zero (YAML 1.1: octal)", services("image: nginx, port: 010"), "file"),
    Example("A number with colons (YAML 1.1: base 60)", services("image: nginx, port: 1:20"), "file"),
    Example("A hexadecimal number", services("image: nginx, port: 0x50"), "file"),
    Example("A binary number", services("image: nginx, port: 0b1010000"), "file"),
    Example("A number with digits grouped by _", services("image: nginx, port: 8_080"), "file"),
    Example("yes, no, on or off where true or false goes", services("image: nginx, exec: on"), "file"),
    Example("yes, no, on or off where text goes", services("image: nginx, command: [serve, --debug, no]"), "file"),
]

MODEL = [
    Example("A required key is missing", "name: photos\n", "model:missing"),
    Example("An unknown key, with a suggestion", services("image: nginx, prot: 8080"), "model:extra_forbidden"),
    Example("An unknown key, with the valid ones", services("image: nginx, replicas: 3"), "model:extra_forbidden"),
    Example("A string where an integer goes", services('image: nginx, port: "8080"'), "model:int_type"),
    Example("A string where true or false goes", services("image: nginx, exec: enabled"), "model:bool_type"),
    Example("A number where a string goes", services("image: 5"), "model:string_type"),
    Example("A boolean where a string goes", services("image: nginx, command: [serve, --debug, true]"),
            "model:string_type"),
    Example("A date where a string goes", "name: 2024-01-31\nservices:\n  api: {image: nginx}\n",
            "model:string_type"),
    Example("A mapping where a list goes", services("image: nginx, command: {run: serve}"), "model:list_type"),
    Example("A list where a mapping of keys goes", services("image: nginx, environment: [A=1]"),
            "model:dict_type"),
    Example("A string where a block of keys goes", MINIMAL + "network: 10.0.0.0/16\n", "model:model_type"),
    Example("A value that is not one of the choices", services("image: nginx, port: 80, expose: private"),
            "model:literal_error"),
    Example("A log retention CloudWatch Logs does not offer", MINIMAL + "logs: {retention_days: 10}\n",
            "model:value_error"),
    Example("A number below its range", services("image: nginx, port: 0"), "model:greater_than_equal"),
    Example("A number above its range", services("image: nginx, port: 70000"), "model:less_than_equal"),
    Example("Too few items", MINIMAL + "network: {availability_zones: [us-east-1a]}\n", "model:too_short"),
    Example("Too many items", MINIMAL + "network:\n  availability_zones: [us-east-1a, us-east-1b, us-east-1c, "
            "us-east-1d, us-east-1e, us-east-1f, us-east-1g]\n", "model:too_long"),
    Example("No services", "name: photos\nservices: {}\n", "model:too_short"),
    Example("Too many entries", MINIMAL + "tags: {" + ", ".join(f"t{i}: x" for i in range(41)) + "}\n",
            "model:too_long", shown=MINIMAL + "tags: {t0: x, t1: x, t2: x, ...}   # 41 tags"),
    Example("An empty string", MINIMAL + "tags: {team: ''}\n", "model:string_too_short"),
    Example("A string too long", MINIMAL + f"catalog: {{portfolio: Platform, owner: {'o' * 51}}}\n",
            "model:string_too_long"),
    Example("An application name that does not fit", "name: Photos\nservices:\n  api: {image: nginx}\n",
            "model:string_pattern_mismatch"),
    Example("A service name that does not fit", "name: photos\nservices:\n  API: {image: nginx}\n",
            "model:string_pattern_mismatch"),
    Example("An availability zone name that does not fit", MINIMAL + "network: {availability_zones: [us-east-1, "
            "us-east-2]}\n", "model:string_pattern_mismatch"),
    Example("An instance type that does not fit", MINIMAL + "cluster: {instances: {type: t3}}\n",
            "model:string_pattern_mismatch"),
    Example("A key pair name that does not fit", MINIMAL + "cluster: {instances: {key_name: 'caf\u00e9'}}\n",
            "model:string_pattern_mismatch"),
    Example("An environment variable name that does not fit", services("image: nginx, environment: {1A: x}"),
            "model:string_pattern_mismatch"),
    Example("A certificate that is not an ACM ARN", services("image: nginx, port: 80, https: "
            "{certificate_arn: arn:aws:acm:us-east-1:1234:certificate/x}"), "model:string_pattern_mismatch"),
    Example("An account id in digits other than 0-9 (here Arabic-Indic)", services(
            "image: nginx, port: 80, https: {certificate_arn: 'arn:aws:acm:us-east-1:"
            "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662:certificate/x'}"),
            "model:string_pattern_mismatch"),
    Example("An availability zone with a digit other than 0-9 (here Devanagari)", MINIMAL + "network: "
            "{availability_zones: [us-east-\u0967a, us-east-\u0967b]}\n", "model:string_pattern_mismatch"),
    Example("A secret that is not a Secrets Manager or SSM ARN", services("image: nginx, secrets: "
            "{DB_PASSWORD: 'arn:aws:s3:::bucket/password'}"), "model:string_pattern_mismatch"),
    Example("A principal that is not an IAM ARN", MINIMAL + "catalog: {portfolio: P, owner: O, principals: "
            "['arn:aws:sts::123456789012:assumed-role/Dev/me']}\n", "model:string_pattern_mismatch"),
    Example("An AMI that is neither an SSM name nor an AMI id", MINIMAL + "cluster: {instances: {ami: "
            "amazon-linux}}\n", "model:string_pattern_mismatch"),
    Example("An image reference that does not fit", services("image: 'nginx latest'"),
            "model:string_pattern_mismatch"),
    Example("A health check path that does not start with /", services("image: nginx, port: 80, health_check: "
            "{path: health}"), "model:string_pattern_mismatch"),
    Example("A TLS policy older than TLS 1.2", services(f"image: nginx, port: 80, https: {{certificate_arn: '{ACM}', "
            "ssl_policy: ELBSecurityPolicy-2016-08}"), "model:string_pattern_mismatch"),
    Example("A tag key that does not fit", MINIMAL + "tags: {'team&org': platform}\n",
            "model:string_pattern_mismatch"),
    Example("A tag value that does not fit", MINIMAL + "tags: {team: 'a&b'}\n", "model:string_pattern_mismatch"),
    Example("A role name that does not fit", MINIMAL + "catalog: {portfolio: P, owner: O, local_role_name: "
            "'launch role'}\n", "model:string_pattern_mismatch"),
    Example("Not a CIDR block", MINIMAL + "network: {cidr: 10.0.0.300/16}\n", "model:value_error"),
    Example("A CIDR block without a prefix length", MINIMAL + "network: {cidr: 10.0.0.0}\n", "model:value_error"),
    Example("A CIDR block with host bits set", MINIMAL + "network: {cidr: 10.0.0.1/16}\n", "model:value_error"),
    Example("An IPv6 VPC", MINIMAL + "network: {cidr: 'fd00::/56'}\n", "model:value_error"),
    Example("An IPv6 source range", services("image: nginx, port: 80, expose: public, "
                                             "allowed_cidrs: ['2001:db8::/32']"), "model:value_error"),
    Example("SSH from the whole internet", MINIMAL + "access: {bastion: {allowed_cidrs: [0.0.0.0/0]}}\n",
            "model:value_error"),
    Example("A secrets key that is not a KMS key ARN", services("image: nginx, secrets_kms_key: "
            "'arn:aws:kms:us-east-1:123456789012:alias/secrets'"), "model:string_pattern_mismatch"),
    Example("An egress destination that is neither a CIDR block nor a prefix list", services(
            "image: nginx, egress: [{to: db.internal, port: 5432, description: Postgres}]"), "model:value_error"),
    Example("An egress destination without a prefix length", services(
            "image: nginx, egress: [{to: 10.0.192.10, port: 5432, description: Postgres}]"), "model:value_error"),
    Example("An egress destination with host bits set", services(
            "image: nginx, egress: [{to: 10.0.192.1/20, port: 5432, description: Postgres}]"), "model:value_error"),
    Example("An IPv6 egress destination", services(
            "image: nginx, egress: [{to: '2001:db8::/32', port: 5432, description: Postgres}]"), "model:value_error"),
    Example("A prefix list id that does not fit", services(
            "image: nginx, egress: [{to: pl-smtp, port: 587, description: SMTP relay}]"), "model:value_error"),
    Example("An egress port range that does not fit", services(
            "image: nginx, egress: [{to: 10.0.0.0/8, port: '8000:8099', description: Partner API}]"),
            "model:string_pattern_mismatch"),
    Example("An egress port range upside down", services(
            "image: nginx, egress: [{to: 10.0.0.0/8, port: 8099-8000, description: Partner API}]"),
            "model:value_error"),
    Example("An egress rule without a description", services("image: nginx, egress: [{to: 10.0.0.0/8, port: 25}]"),
            "model:missing"),
    Example("An egress description EC2 does not accept", services(
            "image: nginx, egress: [{to: 10.0.0.0/8, port: 25, description: 'Mail <relay>'}]"),
            "model:string_pattern_mismatch"),
    Example("An egress protocol other than tcp or udp", services(
            "image: nginx, egress: [{to: 10.0.0.0/8, port: 25, protocol: icmp, description: Mail}]"),
            "model:literal_error"),
    Example("The whole internet reaching an internal service", services(
            "image: nginx, port: 80, reachable_from: [0.0.0.0/0]"), "model:value_error"),
    Example("A reachable_from that is neither vpn nor a CIDR block", services(
            "image: nginx, port: 80, reachable_from: [office]"), "model:value_error"),
]

SECTIONS = [
    ("Reading the file", "The file must be one YAML mapping, UTF-8, at most 1 MiB, of plain YAML values "
     f"(no object tags), nested at most {MAX_DEPTH} levels and at most {MAX_NODES:,} values once aliases are "
     "expanded. These errors come from `generator/blueprint/source.py`.", FILE),
    ("Keys and values", "Each key and value is checked against the model (`generator/blueprint/model.py` and its "
     "blocks); the messages are phrased by `generator/blueprint/load.py`.", MODEL),
    ("Rules across keys", "Checked once the keys and values are right, by `generator/blueprint/rules.py`.", RULES),
    ("Topics and queues", "The keys and rules of `publishes`, `queue` and `scaling.backlog_per_task` "
     "(`generator/blueprint/messaging.py`, `messaging_rules.py`).",
     [Example(*row) for row in catalogue_messaging.ROWS]),
    ("Deployments", "`services.<name>.deployment` (docs/deployments.md), checked by "
     "`generator/blueprint/deployment_rules.py`.", [Example(*example) for example in DEPLOYMENT_EXAMPLES]),
    ("An existing network", "`network.vpc_id` with its subnets (`generator/blueprint/existing_network.py`).",
     [Example(*example) for example in EXISTING_NETWORK]),
    ("Environments", "Each environment's overlay is merged over the blueprint's own keys and the result checked like "
     "any blueprint (`generator/blueprint/environments.py`): errors point at the overlay's lines, under "
     "`environments.<env>.`.", [Example(title, text, "environment") for title, text in ENVIRONMENT_EXAMPLES]),
    ("Jobs, architectures and Spot", "Scheduled jobs' schedules and time zones (`generator/blueprint/schedules.py`), "
     "and the rules on jobs, architectures and Spot capacity (`job_rules.py`, `capacity_rules.py`).",
     catalogue_jobs.MODEL + catalogue_jobs.RULES),
    ("Domains", DOMAINS_ABOUT, [Example(*example) for example in DOMAIN_EXAMPLES]),
]
EXAMPLES = [example for _, _, examples in SECTIONS for example in examples]

INTRO = """# Loader errors

Every error the blueprint loader gives, each with a small blueprint that causes it and the message, exactly
as `blueprint build` prints it: `FILE:LINE:COL: error: KEY.PATH: message`, one line per error, every error
of a file in one run, exit code 2, nothing written. Generated by `python -m generator.blueprint.catalogue`
from the loader itself; a test keeps it current and checks that no error is missing.
"""


def render() -> str:
    parts = [INTRO]
    for title, about, examples in SECTIONS:
        parts.append(f"## {title}\n\n{about}")
        for example in examples:
            shown = example.shown or example.data.decode("utf-8").rstrip("\n")
            errors = "\n".join(example.errors()) or "(loads without an error)"
            parts.append(f"### {example.title}\n\n```yaml\n{shown}\n```\n\n```text\n{errors}\n```")
    parts.append(f"## A file that cannot be read\n\n```text\n{_unreadable()}\n```")
    return "\n\n".join(parts) + "\n"


def _unreadable() -> str:
    """A file that does not exist, and a path that is no regular file (a folder here; a device or a pipe alike)."""
    rendered = []
    for path in ("no-such-blueprint.yaml", "."):
        try:
            load_blueprint(path)
        except BlueprintErrors as errors:
            rendered.append(errors.render())
        else:
            raise AssertionError(f"{path} loads")
    return "\n".join(rendered)


if __name__ == "__main__":
    print(render(), end="")
