"""`blueprint publish` and `deploy`: arguments, confirmation and exit codes; the work is in generator/deploy/."""

from __future__ import annotations

import argparse
import re
import sys
from functools import partial
from pathlib import Path

from generator.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError, choose_environment

STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    publish = commands.add_parser(
        "publish", help="upload the templates to S3, print the console quick-create link",
        description="Build the blueprint in memory (validated like build; output/ is neither read nor written), "
        "upload each template under a content-addressed key PREFIX/NAME/HASH/FILE (keys already in the bucket are "
        "not uploaded again), then the packaged root, and print the root's URL, the console quick-create link and "
        "the equivalent AWS CLI commands. Exit 1 when the templates fail validation; 2 on bad input or an AWS "
        "problem (credentials, region, bucket, endpoint).",
    )
    _aws_arguments(publish)
    publish.set_defaults(run=_run_aws, deploy=False)

    deploy = commands.add_parser(
        "deploy", help="publish, preview a change set, execute it and stream the events",
        description="Publish, then create a change set for the stack (CREATE or UPDATE, nested stacks included), "
        "print what it adds, modifies, replaces and removes, ask before executing it (never without a terminal: "
        "pass --yes or --no-execute), execute it and print stack events until the stack settles. Exit 0 when the "
        "stack is deployed, unchanged, or only previewed; 1 when CloudFormation refuses or rolls back the change, "
        "or the templates fail validation; 2 on bad input or an AWS problem (credentials, region, bucket, "
        "endpoint, a stack that cannot be changed now or was made from another blueprint, no terminal to ask).",
    )
    _aws_arguments(deploy)
    deploy.add_argument("--stack", required=True, metavar="S", help="stack name")
    deploy.add_argument("--parameter", action="append", default=[], metavar="K=V",
                        help="a root parameter (see output/<name>/parameters.json); repeatable. On an update, "
                        "parameters not given keep the stack's current values, as with `aws cloudformation deploy`")
    deploy.add_argument("--adopt", action="store_true",
                        help="update the stack even when it was made from another blueprint or not by `blueprint "
                        "deploy` (deploy tags each stack it creates with ecs-blueprint:name; without this, such "
                        "a stack is refused)")
    when = deploy.add_mutually_exclusive_group()
    when.add_argument("--yes", action="store_true", help="execute the change set without asking")
    when.add_argument("--no-execute", action="store_true",
                      help="stop after the preview, leaving the change set for review")
    deploy.set_defaults(run=_run_aws, deploy=True)


def _aws_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="blueprint file")
    parser.add_argument("--bucket", required=True, metavar="B", help="S3 bucket for the templates; it must exist")
    parser.add_argument("--prefix", default="", metavar="P", help="key prefix in the bucket (default: none)")
    parser.add_argument("--env", metavar="NAME",
                        help="the blueprint's environment to use (required when it has `environments`): its "
                        "region is the default, another --region is refused, and credentials of another account "
                        "than its `account` are refused before anything is uploaded")
    parser.add_argument("--region", metavar="R",
                        help="AWS region (default: --env's `region`, else AWS_REGION's or the profile's)")
    parser.add_argument("--endpoint-url", metavar="URL",
                        help="an AWS emulator (moto, LocalStack) instead of AWS; calls are then tried once, "
                        "never retried")


def _run_aws(args: argparse.Namespace) -> int:
    from generator.blueprint import BlueprintErrors, load_blueprint_bytes, read_blueprint
    from generator.deploy.account import check_account, environment_region
    from generator.deploy.aws import DeployError, StackFailed, connect
    from generator.output import OutputError
    from generator.pipeline import ValidationFailed, build_in_scratch

    if args.deploy and not STACK_NAME.fullmatch(args.stack):
        raise UsageError(f"--stack {args.stack!r}: a stack name is 1-128 letters, digits and hyphens, "
                         "starting with a letter")
    parameters = _key_values(args.parameter) if args.deploy else {}
    if not args.file.is_file():
        raise UsageError(f"no such blueprint: {args.file}")
    try:
        source = read_blueprint(args.file)
        blueprint = choose_environment(load_blueprint_bytes(source, str(args.file)), args.env, required=True)
        environment = blueprint.environment
        # No credentials or region, or those of another account than the environment's: said before building.
        aws = connect(environment_region(environment, args.region), args.endpoint_url)
        check_account(aws, environment)
        build = partial(build_in_scratch, args.file, (source, blueprint))
        if args.deploy:
            from generator.deploy.deploy import Request, publish_then_deploy

            request = Request(args.stack, parameters, execute=not args.no_execute, assume_yes=args.yes,
                              adopt=args.adopt, environment=None if environment is None else environment.name)
            publish_then_deploy(aws, build, request, bucket=args.bucket, prefix=args.prefix, confirm=_confirm,
                                out=sys.stdout)
        else:
            from generator.deploy.publish import publish_built, summary

            published = publish_built(aws, build, bucket=args.bucket, prefix=args.prefix)
            sys.stdout.write(summary(published, published.name))
        return EXIT_OK
    except BlueprintErrors as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USAGE
    except ValidationFailed as exc:
        print(str(exc), file=sys.stderr)
        print(f"{args.file}: templates fail validation; nothing published", file=sys.stderr)
        return EXIT_INVALID
    except (DeployError, OutputError) as exc:
        raise UsageError(str(exc)) from None
    except StackFailed as exc:
        print(f"blueprint: error: {exc.render()}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("blueprint: interrupted; what reached AWS stays (uploaded templates, a started stack operation "
              "goes on)", file=sys.stderr)
        return 130


def _key_values(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise UsageError(f"--parameter {pair!r}: expected KEY=VALUE")
        if key in values:
            raise UsageError(f"--parameter {key} is given twice")
        values[key] = value
    return values


def _confirm(question: str) -> bool | None:
    """The user's answer; None when stdin is not a terminal (nobody to ask: never wait for input)."""
    if not sys.stdin.isatty():
        return None
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False
