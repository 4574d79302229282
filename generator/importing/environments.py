"""Copilot environment manifests as the blueprint's `environments.<env>` overlays: an imported VPC and its
subnets, a new VPC's CIDR, Container Insights, and the account and region when the manifest names them."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from generator.importing.context import Place
from generator.importing.manifest import View, describe

_ACCOUNT = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]")
_VPC = re.compile(r"vpc-[0-9a-f]{8}([0-9a-f]{9})?")
_SUBNET = re.compile(r"subnet-[0-9a-f]{8}([0-9a-f]{9})?")


def convert_environment(view: View) -> tuple[Place, dict[str, Any]]:
    """Where the environment deploys, and its overlay of the blueprint's network and cluster."""
    overlay: dict[str, Any] = {}
    place = Place(_matching(view, "account", _ACCOUNT, "an AWS account id (12 digits)"),
                  _matching(view, "region", _REGION, "a region name such as eu-west-1"))
    if place.account is not None:
        overlay["account"] = place.account
    if place.region is not None:
        overlay["region"] = place.region
    network = _network(view)
    if network:
        overlay["network"] = network
    insights = view.boolean("observability", "container_insights") if view.has(
        "observability", "container_insights") else None
    if insights is not None:
        overlay["cluster"] = {"container_insights": insights}
    return place, overlay


def _matching(view: View, key: str, pattern: re.Pattern[str], meaning: str) -> str | None:
    if not view.has(key):
        return None
    text = view.text(key)
    if text is not None and not pattern.fullmatch(text):
        view.leave(key, reason=f"{text!r} is not {meaning}")
        return None
    return text


def _network(view: View) -> dict[str, Any]:
    network: dict[str, Any] = {}
    vpc_id: str | None = None
    if view.has("network", "vpc", "id"):
        vpc_id = view.text("network", "vpc", "id")
        if vpc_id is not None and not _VPC.fullmatch(vpc_id):
            view.leave("network", "vpc", "id", reason=f"{vpc_id!r} is not a VPC id (vpc-...)")
            vpc_id = None
    if vpc_id is not None:
        network["vpc_id"] = vpc_id
        for kind in ("private", "public"):
            subnets = _subnets(view, kind)
            if subnets:
                network[f"{kind}_subnets"] = subnets
    if view.has("network", "vpc", "cidr"):
        cidr = view.text("network", "vpc", "cidr")
        if cidr is not None:
            try:
                if ipaddress.ip_network(cidr, strict=True).version != 4:
                    raise ValueError
                network["cidr"] = cidr
            except ValueError:
                view.leave("network", "vpc", "cidr", reason=f"{cidr!r} is not an IPv4 CIDR block with its host "
                           "bits zero")
    return network


def _subnets(view: View, kind: str) -> list[str]:
    keys = ("network", "vpc", "subnets", kind)
    listed = view.raw(*keys)
    if listed is None:
        return []
    if not isinstance(listed, list):
        view.leave(*keys, reason=f"expected a list of subnets, got {describe(listed)}")
        return []
    ids = []
    for index, item in enumerate(listed):
        item_keys = (*keys, index, "id") if isinstance(item, dict) else (*keys, index)
        text = view.text(*item_keys)
        if text is None:
            continue
        if _SUBNET.fullmatch(text):
            ids.append(text)
        else:
            view.leave(*item_keys, reason=f"{text!r} is not a subnet id (subnet-...)")
    return ids
