"""Checks run on generated templates before anything is written: cfn-lint, the audit, quotas."""
