"""The errors catalogue's examples for an existing network (`network.vpc_id`, existing_network.py): title,
blueprint, and what it covers, as `catalogue.Example` takes them (kept apart so catalogue.py stays small)."""

from __future__ import annotations

VPC = "vpc-0123456789abcdef0"
PRIVATE = "[subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]"
ON_VPC = f"name: photos\nnetwork:\n  vpc_id: {VPC}\n  private_subnets: {PRIVATE}\n"
API = "services:\n  api: {image: nginx}\n"

EXISTING_NETWORK: list[tuple[str, str, str]] = [
    ("A VPC id of the wrong shape", f"name: photos\nnetwork:\n  vpc_id: vpc-0123\n  private_subnets: {PRIVATE}\n"
     + API, "model:string_pattern_mismatch"),
    ("A subnet id of the wrong shape", f"name: photos\nnetwork:\n  vpc_id: {VPC}\n  private_subnets: "
     "[subnet-0aaaaaaaaaaaaaaa1, subnet-12]\n" + API, "model:string_pattern_mismatch"),
    ("One private subnet", f"name: photos\nnetwork:\n  vpc_id: {VPC}\n  private_subnets: [subnet-0aaaaaaaaaaaaaaa1]\n"
     + API, "model:too_short"),
    ("A key of a new VPC with an existing one", ON_VPC + "  nat_gateways: single\n" + API,
     "rule:existing_network_keys"),
    ("VPC endpoints in an existing VPC", ON_VPC + "  endpoints: [s3, ecr]\n" + API, "rule:existing_network_keys"),
    ("An existing VPC without its private subnets", f"name: photos\nnetwork:\n  vpc_id: {VPC}\n" + API,
     "rule:existing_network_keys"),
    ("Subnets without their VPC", f"name: photos\nnetwork:\n  private_subnets: {PRIVATE}\n" + API,
     "rule:existing_network_keys"),
    ("A subnet both private and public", ON_VPC + "  public_subnets: [subnet-0aaaaaaaaaaaaaaa1, "
     "subnet-0bbbbbbbbbbbbbbb1]\n" + API, "rule:existing_network_keys"),
    ("A public service on an existing VPC without public subnets", ON_VPC
     + "services:\n  api: {image: nginx, port: 80, expose: public}\n", "rule:existing_network_keys"),
    ("A bastion on an existing VPC without public subnets", ON_VPC
     + "access:\n  bastion: {allowed_cidrs: [203.0.113.0/24]}\n" + API, "rule:existing_network_keys"),
]
