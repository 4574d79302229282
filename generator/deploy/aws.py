"""The boto3 side of publish and deploy: one session per command, clients with the right retries,
the URLs CloudFormation and the console read, and every AWS error turned into one line.

Two kinds of failure leave this package, and generator/cli/aws.py gives each its exit code:
- DeployError (exit 2): the request or the environment is wrong: no credentials, no region or not
  one, a missing or forbidden bucket, an unreachable endpoint or one that answers with no AWS response
  (an error page), a --parameter the root does not take or a value its constraints refuse, a stack in
  a state that cannot take a change set or made from another blueprint. The message names the option
  at fault.
- StackFailed (exit 1): CloudFormation refused the templates or rolled the change back.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import boto3
import botocore.parsers
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    InvalidRegionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url, validate_region_name

# Error codes meaning "these credentials are not accepted", whatever the service.
CREDENTIAL_CODES = frozenset({
    "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "ExpiredToken",
    "ExpiredTokenException", "InvalidAccessKeyId", "AuthFailure", "RequestExpired",
})
ACCESS_CODES = frozenset({"AccessDenied", "AccessDeniedException", "403", "Forbidden"})

# Against an emulator every call is tried once: a retried CreateStack or ExecuteChangeSet would run
# the whole operation again (moto runs it inside the request, and may answer only after the client
# gave up). Against AWS, botocore's standard mode with a few more attempts than its default of 3,
# since polling stack events for half an hour does meet throttling.
# (botocore's `max_attempts` counts retries; `total_max_attempts` counts calls, the first included.)
EMULATOR_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=300,
                         s3={"addressing_style": "path"})
AWS_CONFIG = Config(retries={"total_max_attempts": 5, "mode": "standard"})


class DeployError(Exception):
    """The request or the environment is wrong (exit 2). The message is one line."""


class StackFailed(Exception):
    """CloudFormation refused the change or rolled it back (exit 1). `details`: failed resources."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        self.details = details or []
        super().__init__(message)

    def render(self) -> str:
        return "\n".join([str(self), *(f"  {line}" for line in self.details)])


@dataclass
class Aws:
    """A boto3 session for one command: its region, the endpoint (None for AWS itself), clients."""

    session: Any
    region: str
    endpoint_url: str | None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def emulated(self) -> bool:
        return self.endpoint_url is not None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            with aws_errors():
                try:
                    self._clients[service] = self.session.client(
                        service, region_name=self.region, endpoint_url=self.endpoint_url,
                        config=EMULATOR_CONFIG if self.emulated else AWS_CONFIG,
                    )
                except InvalidRegionError:  # connect() checked it; a region from the profile may still be odd
                    raise DeployError(f"--region {self.region!r}: not a region name (like us-east-1)") from None
                except ValueError as exc:  # botocore: "Invalid endpoint: ..."
                    raise DeployError(f"--endpoint-url {self.endpoint_url!r}: {exc}") from None
        return self._clients[service]


def connect(region: str | None, endpoint_url: str | None) -> Aws:
    """A session from the usual chain (environment, profile, SSO, instance role); fails early, in one
    line naming the option (or the environment) at fault, when the region or the endpoint is not one,
    or there is no region or no credentials at all."""
    if endpoint_url is not None:
        check_endpoint_url(endpoint_url)
    with aws_errors():
        session = boto3.session.Session(region_name=region or None)
        if region is not None:
            check_region(session, region, "--region", emulated=endpoint_url is not None)
        elif not session.region_name:
            raise DeployError("no AWS region: pass --region, or set AWS_REGION or a region in your profile")
        else:
            check_region(session, session.region_name, "the AWS region of the environment or profile",
                         emulated=endpoint_url is not None)
        if session.get_credentials() is None:
            raise NoCredentialsError()
    return Aws(session, session.region_name, endpoint_url or None)


def check_endpoint_url(endpoint_url: str) -> None:
    """An http(s) URL naming a host, as botocore would accept it (it says only "Invalid endpoint")."""
    url = urlparse(endpoint_url)
    if url.scheme not in ("http", "https") or not (is_valid_endpoint_url(endpoint_url)
                                                   or is_valid_ipv6_endpoint_url(endpoint_url)):
        raise DeployError(f"--endpoint-url {endpoint_url!r}: not an http:// or https:// URL naming a host")


def check_region(session: Any, region: str, source: str, *, emulated: bool) -> None:
    """A region name botocore can make endpoints of; against AWS itself (no --endpoint-url), also one of the
    regions botocore knows, so a mistyped one is said here, not as an endpoint that cannot be reached."""
    try:
        validate_region_name(region)
        if not region:
            raise InvalidRegionError(region_name=region)
    except InvalidRegionError:
        raise DeployError(f"{source} {region!r}: not a region name (like us-east-1)") from None
    if emulated:
        return
    known = {name for partition in session.get_available_partitions()
             for name in session.get_available_regions("cloudformation", partition_name=partition)}
    if region not in known:
        raise DeployError(f"{source} {region!r}: not an AWS region CloudFormation is in (like us-east-1); "
                          "for an emulator, pass --endpoint-url as well")


@contextmanager
def aws_errors(failure: type[Exception] = DeployError, doing: str = "") -> Iterator[None]:
    """Turn botocore's exceptions into DeployError (environment) or `failure` (anything else the
    service refused), each with a one-line message. `doing` prefixes service errors: "creating the
    change set"."""
    prefix = f"{doing}: " if doing else ""
    try:
        yield
    except (DeployError, StackFailed):
        raise
    except NoCredentialsError:
        raise DeployError("no AWS credentials found (looked in the environment, the shared credentials and "
                          "config files, SSO and instance metadata); configure some, e.g. `aws configure`") from None
    except PartialCredentialsError as exc:
        raise DeployError(f"incomplete AWS credentials: {exc}") from None
    except ProfileNotFound as exc:
        raise DeployError(f"{exc} (check AWS_PROFILE)") from None
    except NoRegionError:
        raise DeployError("no AWS region: pass --region, or set AWS_REGION or a region in your profile") from None
    except (EndpointConnectionError, ConnectTimeoutError) as exc:
        origin = _origin(exc)
        option = "--region" if _on_aws(origin) else "--endpoint-url"
        raise DeployError(f"cannot reach {origin}: check {option} and the network") from None
    except ReadTimeoutError as exc:
        raise DeployError(f"{_origin(exc)} did not answer in time") from None
    except ParamValidationError as exc:
        raise DeployError(" ".join(str(exc).split())) from None
    except ClientError as exc:
        code, message = error_code(exc), error_message(exc)
        if code in CREDENTIAL_CODES:
            raise DeployError(f"AWS refused the credentials ({code}): {message}") from None
        if code in ACCESS_CODES:
            raise DeployError(f"{prefix}access denied ({code}): {message}") from None
        if code.isdigit() or code == "Unknown":  # botocore found no AWS error in the answer: not AWS speaking
            raise DeployError(f"{prefix}the endpoint answered HTTP {_status(exc)} without an AWS error "
                              f"({message}); check --endpoint-url, or the network's proxy") from None
        raise failure(f"{prefix}{message} ({code})") from None
    except BotoCoreError as exc:  # SSO token expired, a credential process failing, ...
        raise DeployError(" ".join(str(exc).split())) from None
    except botocore.parsers.ResponseParserError:  # not a BotoCoreError: an HTML error page, a proxy's answer
        raise DeployError(f"{prefix}the endpoint's answer is not an AWS response (an error page?); "
                          "check --endpoint-url, or the network's proxy") from None
    except (KeyError, TypeError, AttributeError) as exc:
        if not _raised_by_botocore_parser(exc):
            raise
        raise DeployError(f"{prefix}the endpoint's answer is not the AWS response asked for; "
                          "check --endpoint-url, or the network's proxy") from None


def _on_aws(origin: str) -> bool:
    """Whether the URL is one botocore made for AWS itself (no --endpoint-url was given)."""
    host = urlparse(origin).hostname or ""
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))


def _raised_by_botocore_parser(exc: BaseException) -> bool:
    """Whether botocore's response parser raised EXC, reading an answer shaped like no AWS response
    (valid XML that is not the operation's result): the innermost frame is in botocore/parsers.py."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and Path(frames[-1].filename) == Path(botocore.parsers.__file__)


def _origin(exc: BotoCoreError) -> str:
    url = urlparse(str(getattr(exc, "kwargs", {}).get("endpoint_url") or ""))
    return f"{url.scheme}://{url.netloc}" if url.netloc else "the endpoint"


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "") or exc.response.get("ResponseMetadata", {})
               .get("HTTPStatusCode", ""))


def _status(exc: ClientError) -> str:
    return str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "") or error_code(exc))


def error_message(exc: ClientError) -> str:
    message = exc.response.get("Error", {}).get("Message") or str(exc)
    return " ".join(str(message).split())


# --- URLs -----------------------------------------------------------------------------------------

def dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def template_url(bucket: str, key: str, region: str, *, emulated: bool) -> str:
    """The https URL CloudFormation reads a template from.

    Against AWS, the bucket's regional virtual-hosted endpoint. Against an emulator, the global
    `https://BUCKET.s3.amazonaws.com/KEY`: moto resolves only amazonaws.com URLs, against its own
    S3 (a URL naming the emulator's address does not work). A bucket name with dots breaks the
    certificate of a virtual-hosted https URL, so it gets the path style, which both read too.
    """
    host = "s3.amazonaws.com" if emulated else f"s3.{region}.{dns_suffix(region)}"
    path = quote(key, safe="/")
    if "." in bucket:
        return f"https://{host}/{bucket}/{path}"
    return f"https://{bucket}.{host}/{path}"


def console_host(region: str) -> str:
    if region.startswith("cn-"):
        return "console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return "console.amazonaws-us-gov.com"
    return "console.aws.amazon.com"


def quick_create_link(url: str, stack_name: str, region: str) -> str:
    """The console page that creates a stack from `url`, with the name filled in."""
    return (f"https://{console_host(region)}/cloudformation/home?region={region}#/stacks/quickcreate"
            f"?templateURL={quote(url, safe='')}&stackName={quote(stack_name, safe='')}")


def stack_link(stack_id: str, region: str) -> str:
    return (f"https://{console_host(region)}/cloudformation/home?region={region}#/stacks/events"
            f"?stackId={quote(stack_id, safe='')}")
