"""Publishing generated templates to S3 and deploying them through CloudFormation change sets (boto3).

    publish.py    content-hashed upload of the children and a packaged root; console and CLI links
    changeset.py  create a change set, wait, walk nested change sets, summarise
    progress.py   stream stack events of the root and nested stacks; failed resources
    deploy.py     publish -> change set -> preview -> confirm -> execute -> watch
    aws.py        the boto3 session, retries, URL styles, and errors turned into one-line messages
    parameters.py parameters.json, the root's parameters for `aws cloudformation deploy`
"""

from generator.deploy.aws import DeployError, StackFailed

__all__ = ["DeployError", "StackFailed"]
