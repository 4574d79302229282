"""`blueprint diff`: what deploying a change to the generated templates does, resource by resource.

model.py holds what a diff is, reading.py reads template sets from directories, compare.py classifies
each change by CloudFormation's update behaviour, report.py writes it for a terminal, a pull request or
a tool.
"""

from generator.review.diff.compare import diff_apps, diff_directories, diff_templates
from generator.review.diff.model import (
    ADDED,
    FAIL_ON,
    IN_PLACE,
    INTERRUPTION,
    MAY_REPLACE,
    MODIFIED,
    REMOVED,
    REPLACEMENT,
    Apps,
    Diff,
    DiffInputError,
    ResourceChange,
)
from generator.review.diff.reading import load_apps, load_templates, read_side
from generator.review.diff.report import as_json, as_markdown, as_text
from generator.review.diff.values import show_value

__all__ = [
    "ADDED",
    "FAIL_ON",
    "INTERRUPTION",
    "IN_PLACE",
    "MAY_REPLACE",
    "MODIFIED",
    "REMOVED",
    "REPLACEMENT",
    "Apps",
    "Diff",
    "DiffInputError",
    "ResourceChange",
    "as_json",
    "as_markdown",
    "as_text",
    "diff_apps",
    "diff_directories",
    "diff_templates",
    "load_apps",
    "load_templates",
    "read_side",
    "show_value",
]
