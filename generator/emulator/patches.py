"""Five small fixes to moto's CloudFormation (5.2.5), applied for as long as `patched_moto()` lasts.

They make what CloudFormation does and moto does not (or does differently) work the CloudFormation
way, for what our templates use. The server runs in the patching process, so patching moto's classes
and modules is enough; leaving the context undoes every fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import ip_address
from typing import Any
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

# Types our templates declare that moto accepts and creates nothing for (so nothing checks them), as the
# emulator tells its user; tests/emulator holds each to moto_models() being false.
UNMODELLED_TYPES = (
    "AWS::EC2::SecurityGroupEgress",
    "AWS::ECS::CapacityProvider",
    "AWS::ECS::ClusterCapacityProviderAssociations",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::S3::BucketPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::ServiceCatalog::Portfolio",
    "AWS::EC2::ClientVpnEndpoint",
)


def moto_models(resource_type: str) -> bool:
    """Whether moto has a CloudFormation model for the type; for one it lacks, it creates nothing.

    In moto 5.2.5 these include AWS::EC2::SecurityGroupEgress, AWS::ECS::CapacityProvider,
    AWS::ECS::ClusterCapacityProviderAssociations, AWS::ApplicationAutoScaling::*, AWS::S3::BucketPolicy,
    AWS::ServiceCatalog::*, AWS::EC2::ClientVpn*, AWS::CloudWatch::Alarm, AWS::Logs::MetricFilter.
    """
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    return resource_type.startswith("Custom::") or (
        resource_type in get_model_map() and resource_type not in NULL_MODELS
    )


def unmodelled_placeholder(output: str) -> str:
    """What `Fn::GetAtt Child.Outputs.<output>` gives when moto could not compute that output."""
    return f"moto-unmodelled-{output}"


@contextmanager
def patched_moto() -> Iterator[None]:
    """The five fixes, for as long as the context lasts.

    1. `Fn::GetAtt: [Child, Outputs.X]` on a nested stack. moto resolves `Fn::GetAtt` in
       `moto.cloudformation.parsing.clean_json` by calling `resource.get_cfn_attribute(name)`. For a
       nested stack that resource is a `moto.cloudformation.models.Stack`, which defines no
       `get_cfn_attribute`, so the call raises AttributeError and the request fails with HTTP 500.
       The patch adds the method: `Outputs.X` is the value of the child's output X (the child is
       created when the parent first refers to it, so its outputs are there); any other attribute is
       refused the way moto refuses unknown attributes elsewhere. An output whose value refers to a
       resource moto does not model (an ECS capacity provider, say) has no value under moto; it
       reads as `unmodelled_placeholder(X)` so that the stacks wired to it can still be created.
    2. `Fn::GetAZs`. moto returns four made-up zones, a to d, of the region named by the argument taken
       literally (`{Ref: AWS::Region}` becomes the zone "{'Ref': 'AWS::Region'}a") or, for "", of
       us-east-1 whatever the stack's region. The patch resolves the argument ("" is the stack's region,
       as in CloudFormation) and returns the zones moto's EC2 has for that region: six in us-east-1, so
       a blueprint of 5 or 6 AZs deploys, and the real names elsewhere (ap-northeast-1 has no "b").
    3. A parameter of type `AWS::SSM::Parameter::Value<...>` whose value names no SSM parameter.
       moto dereferences the missing parameter (AttributeError, HTTP 500). The patch raises the
       error CloudFormation gives instead: "Unable to fetch parameters [NAME] from parameter store
       for this account." (A parent passing such a parameter's *resolved* value to a child
       parameter of the same type hits exactly this, in CloudFormation as under moto.)
    4. Resource events. moto adds events for a stack itself only. The patch wraps the functions that
       create and update one resource from a template (`parsing.parse_and_create_resource`,
       `parsing.parse_and_update_resource`, both called through the module global) and
       `ResourceMap._delete_resource`, to record RESOURCE_IN_PROGRESS, then _COMPLETE or _FAILED with
       the error as the reason, on the stack that holds the resource, as CloudFormation does. A
       nested stack's resource event carries its name as the physical ID (moto's ID for it). Types
       moto does not model, and resources switched off by a condition, get no events: nothing is made.
    5. A `TemplateURL` naming the emulator itself, `http://127.0.0.1:PORT/BUCKET/KEY`: what
       `aws cloudformation package --endpoint-url` writes. moto reads a path-style URL only when its
       host says "localhost", and otherwise takes "127" for the bucket. The patch reads any loopback
       host path-style. (`https://BUCKET.s3.amazonaws.com/KEY`, what `blueprint publish` writes for an
       endpoint, moto reads already.)
    """
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
    from moto.cloudformation.models import Stack
    from moto.ec2.models import ec2_backends

    def get_cfn_attribute(self: Stack, attribute_name: str) -> Any:
        prefix = "Outputs."
        if not attribute_name.startswith(prefix):
            raise UnformattedGetAttTemplateException()
        key = attribute_name.removeprefix(prefix)
        declared = (self.template_dict.get("Outputs") or {}).get(key)
        output = self.output_map[key] if declared is not None else None
        if output is not None:
            return output.value
        if declared is None or "Condition" in declared:
            raise ValidationError(message=f"Template error: nested stack {self.name} has no output {key}")
        # Declared and unconditional, yet moto dropped it: its value refers to a resource moto does
        # not model. Stand in a recognisable value so the stacks wired to it can still be created.
        return unmodelled_placeholder(key)

    original_clean_json = parsing.clean_json
    original_parse_ssm_parameter = parsing.ResourceMap.parse_ssm_parameter

    def parse_ssm_parameter(self: Any, value: str, value_type: str) -> Any:
        if parsing.ssm_backends[self._account_id][self._region_name].get_parameter(value) is None:
            raise ValidationError(
                message=f"Unable to fetch parameters [{value}] from parameter store for this account."
            )
        return original_parse_ssm_parameter(self, value, value_type)

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetAZs" in resource_json:
            region = original_clean_json(resource_json["Fn::GetAZs"], resources_map) or resources_map["AWS::Region"]
            account = ec2_backends[resources_map._account_id]
            if region not in account.regions:
                raise ValidationError(message=f"Template error: Fn::GetAZs: unknown region {region!r}")
            return [zone.name for zone in account[region].describe_availability_zones()]
        return original_clean_json(resource_json, resources_map)

    with (
        mock.patch.object(Stack, "get_cfn_attribute", get_cfn_attribute, create=True),
        mock.patch.object(parsing, "clean_json", clean_json),
        mock.patch.object(parsing.ResourceMap, "parse_ssm_parameter", parse_ssm_parameter),
        _resource_events(),
        _loopback_template_urls(),
    ):
        yield


@contextmanager
def _resource_events() -> Iterator[None]:
    """Fix 4 of `patched_moto()`: stack events for the resources moto creates, updates and deletes."""
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Event, cloudformation_backends

    original_create = parsing.parse_and_create_resource
    original_update = parsing.parse_and_update_resource
    original_delete = parsing.ResourceMap._delete_resource

    def record(resources_map: Any, logical_id: str, resource_type: str, status: str,
               resource: Any = None, reason: str | None = None) -> None:
        backend = cloudformation_backends[resources_map._account_id][resources_map._region_name]
        stack = backend.stacks.get(resources_map.stack_id)
        if stack is None:  # the stack is being deleted: moto has already let go of it
            return
        try:
            physical_id = str(resource.physical_resource_id) if resource is not None else ""
        except Exception:  # some models compute it from state they may lack
            physical_id = ""
        stack.events.append(Event(
            stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
            physical_resource_id=physical_id, resource_type=resource_type, resource_status=status,
            resource_status_reason=reason, resource_properties=None,
        ))

    def evented(operation: str, original: Any) -> Any:
        def wrapper(logical_id: str, resource_json: dict[str, Any], resources_map: Any, *args: Any,
                    **kwargs: Any) -> Any:
            resource_type = str(resource_json.get("Type", ""))
            condition = resource_json.get("Condition")
            if not moto_models(resource_type) or (condition and not resources_map.lazy_condition_map[condition]):
                return original(logical_id, resource_json, resources_map, *args, **kwargs)
            record(resources_map, logical_id, resource_type, f"{operation}_IN_PROGRESS")
            try:
                resource = original(logical_id, resource_json, resources_map, *args, **kwargs)
            except Exception as error:
                record(resources_map, logical_id, resource_type, f"{operation}_FAILED", reason=_reason(error))
                raise
            record(resources_map, logical_id, resource_type, f"{operation}_COMPLETE", resource)
            return resource
        return wrapper

    def delete_resource(self: Any, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
        logical_id = str(getattr(parsed_resource, "logical_resource_id", "") or "")
        resource_type = str(resource_json.get("Type", ""))
        record(self, logical_id, resource_type, "DELETE_IN_PROGRESS", parsed_resource)
        try:
            original_delete(self, parsed_resource, resource_json)
        except Exception as error:
            record(self, logical_id, resource_type, "DELETE_FAILED", parsed_resource, _reason(error))
            raise
        record(self, logical_id, resource_type, "DELETE_COMPLETE", parsed_resource)

    with (
        mock.patch.object(parsing, "parse_and_create_resource", evented("CREATE", original_create)),
        mock.patch.object(parsing, "parse_and_update_resource", evented("UPDATE", original_update)),
        mock.patch.object(parsing.ResourceMap, "_delete_resource", delete_resource),
    ):
        yield


def _reason(error: Exception) -> str:
    """The message CloudFormation would give: moto's own errors carry it as `.message`."""
    return " ".join(str(getattr(error, "message", None) or error).split())


@contextmanager
def _loopback_template_urls() -> Iterator[None]:
    """Fix 5 of `patched_moto()`: a TemplateURL on a loopback host is read path-style, as for "localhost".

    moto reads TemplateURLs in `cloudformation.utils.get_stack_from_s3_url`, imported by name into the
    models (nested stacks) and the responses (CreateStack, CreateChangeSet, ...): both names are patched.
    """
    from moto.cloudformation import models, responses

    original = models.get_stack_from_s3_url

    def get_stack_from_s3_url(template_url: str, *args: Any, **kwargs: Any) -> str:
        return original(loopback_as_localhost(template_url), *args, **kwargs)

    with (
        mock.patch.object(models, "get_stack_from_s3_url", get_stack_from_s3_url),
        mock.patch.object(responses, "get_stack_from_s3_url", get_stack_from_s3_url),
    ):
        yield


def loopback_as_localhost(url: str) -> str:
    """The URL with a loopback IP host (127.0.0.0/8, ::1) written "localhost"; any other URL unchanged."""
    parts = urlsplit(url)
    try:
        loopback = parts.hostname is not None and ip_address(parts.hostname).is_loopback
    except ValueError:  # a name, not an address
        loopback = False
    if not loopback:
        return url
    netloc = "localhost" if parts.port is None else f"localhost:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))
