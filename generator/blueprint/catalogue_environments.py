"""The errors catalogue's examples of environments (docs/errors.md): each a small blueprint with an overlay that
is refused, as (title, blueprint). catalogue.py renders them with the loader, like every other example."""

from __future__ import annotations

HTTPS = "    services: {{api: {{https: {{certificate_arn: '{arn}'}}}}}}\n"
ACM_US = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
BASE = "name: photos\nservices:\n  api: {image: nginx, port: 80, count: 2}\nenvironments:\n"

ENVIRONMENT_EXAMPLES: list[tuple[str, str]] = [
    ("A wrong key in an overlay, reported at the overlay's line",
     BASE + "  dev:\n    services: {api: {cuont: 1}}\n"),
    ("A wrong value in an overlay", BASE + "  dev:\n    services: {api: {count: many}}\n"),
    ("A service an overlay adds lacks a required key", BASE + "  dev:\n    services: {mock: {port: 8080}}\n"),
    ("An overlay that changes the name", BASE + "  dev:\n    name: photos-dev\n"),
    ("Environments inside an environment", BASE + "  dev:\n    environments: {test: {}}\n"),
    ("An account id as an unquoted number (YAML reads an integer, which loses leading zeros)",
     BASE + "  prod:\n    account: 123456789012\n"),
    ("An account id that is not 12 digits", BASE + "  prod:\n    account: '1234'\n"),
    ("A region that is not a region name", BASE + "  prod:\n    region: Ireland\n"),
    ("No environment under `environments`", BASE.replace("environments:\n", "environments: {}\n")),
    ("A rule broken only once the overlay is merged: reported at the overlay key nearest the blueprint's value",
     BASE + "  prod:\n    services:\n      api:\n        scaling: {min: 4, max: 20, cpu_percent: 50}\n"),
    ("Availability zones an overlay lists outside the environment's region",
     BASE + "  prod:\n    region: eu-west-1\n"
     "    network: {availability_zones: [eu-west-1a, eu-west-1b, eu-west-2c]}\n"),
    ("The blueprint's own availability zones outside an environment's region: reported at the region",
     BASE.replace("environments:\n", "network: {availability_zones: [us-east-1a, us-east-1b]}\nenvironments:\n")
     + "  prod:\n    region: eu-west-1\n"),
    ("A certificate of another region than the environment's",
     BASE + "  prod:\n    region: eu-west-1\n" + HTTPS.format(arn=ACM_US)),
    ("A certificate of another account than the environment's",
     BASE + "  prod:\n    account: '210987654321'\n" + HTTPS.format(arn=ACM_US)),
]
