"""Publishing generated templates to S3 and deploying them through CloudFormation change sets (boto3).

    publish.py    content-addressed upload of the templates and a packaged root; console and CLI links
    changeset.py  create a change set, wait, walk nested change sets, summarise
    progress.py   stream stack events of the root and nested stacks; failed resources
    deploy.py     publish -> change set -> preview -> confirm -> execute -> watch
    aws.py        the boto3 session, retries, URL styles, and errors turned into one-line messages

Errors: aws.DeployError (exit 2) and aws.StackFailed (exit 1).
"""
