"""The diff's reports: plain text for a terminal, Markdown for a pull-request comment, JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from generator.review.diff.model import (
    ADDED,
    IN_PLACE,
    INTERRUPTION,
    MAY_REPLACE,
    MODIFIED,
    NAMED_SECTIONS,
    REMOVED,
    RENAMED,
    REPLACEMENT,
    AppDiff,
    Diff,
    PropertyChange,
    ResourceChange,
)
from generator.review.diff.values import plain, show_value

COLUMNS = {REPLACEMENT: "replaced", MAY_REPLACE: "may replace", INTERRUPTION: "interruption",
           IN_PLACE: "in place", ADDED: "added", REMOVED: "removed"}
SUMMARY_ORDER = (ADDED, REMOVED, REPLACEMENT, MAY_REPLACE, INTERRUPTION, IN_PLACE)
MARKS = {REPLACEMENT: "!", MAY_REPLACE: "?", INTERRUPTION: "~", IN_PLACE: "~", ADDED: "+", REMOVED: "-"}
MAX_CHANGES_SHOWN = 6


def counts(resources: Iterable[ResourceChange]) -> dict[str, int]:
    found = dict.fromkeys(SUMMARY_ORDER, 0)
    for resource in resources:
        found[resource.bucket] += 1
    return found


def _summary(resources: list[ResourceChange]) -> str:
    found = counts(resources)
    return ", ".join(f"{found[b]} {COLUMNS[b]}" for b in SUMMARY_ORDER if found[b]) or "no resource changes"


def _change_text(change: PropertyChange, code: str = "") -> str:
    path = f"{code}{change.path}{code}"
    if change.via is not None:
        return f"{path} takes the new {change.via}" if "new version" not in change.reason \
            else f"{path} takes {change.reason.rsplit('; ', 1)[-1].removeprefix('takes ')}"
    if change.old == change.new:  # nothing in the resource itself changed: say what did
        return f"{path}: {change.reason}"
    arrow = " → " if code else " -> "
    return f"{path}: {code}{show_value(change.old)}{code}{arrow}{code}{show_value(change.new)}{code}"


def _why(resource: ResourceChange, code: str = "", separator: str = "; ") -> str:
    """The changes that make a resource as bad as it is."""
    if resource.action == RENAMED:
        return f"renamed from {code}{resource.renamed_from}{code}: deleted and created under the new ID"
    worst = [c for c in resource.changes if c.effect == resource.effect]
    return separator.join(f"{_change_text(c, code)} ({c.reason.split('; ')[0]})" for c in worst)


def as_text(diff: Diff) -> str:
    if not diff.changed:
        return "No changes to the generated templates.\n"
    lines: list[str] = []
    for app in diff.apps:
        if app.status == MODIFIED and not app.stacks and not app.reachability:
            continue
        status = "" if app.status == MODIFIED else f" ({'new application' if app.status == ADDED else 'removed'})"
        lines.append(f"{app.name}{status}: {_summary(app.resources)}")
        replaced = [r for r in app.resources if r.bucket == REPLACEMENT]
        if replaced:
            lines.append(f"  REPLACED ({len(replaced)}): deleted and created again, with a new ID")
            for resource in replaced:
                lines.append(f"    {resource.stack} {resource.logical_id} ({resource.type}): {_why(resource)}")
        for stack in app.stacks:
            what = "" if stack.status == MODIFIED else f" ({stack.status})"
            lines.append(f"  {stack.file}{what}: {_summary(stack.resources)}")
            lines.extend(f"    WARNING: {warning}" for warning in stack.warnings)
            for resource in stack.resources:
                source = f"  [{resource.source}]" if resource.source else ""
                effect = f" {resource.effect}" if resource.effect else ""
                renamed = f" (renamed from {resource.renamed_from})" if resource.renamed_from else ""
                lines.append(f"    {MARKS[resource.bucket]} {resource.logical_id} {resource.type}{effect}{renamed}"
                             f"{source}")
                for change in resource.changes:
                    why = change.effect if change.old == change.new and change.via is None \
                        else f"{change.effect}: {change.reason}"
                    lines.append(f"        {_change_text(change)}  ({why})")
            for section in NAMED_SECTIONS:
                named = [n for n in stack.named if n.section == section]
                if named:
                    shown = ", ".join(f"{MARKS.get(n.action, '~')}{n.name}" for n in named)
                    lines.append(f"    {section.lower()}: {shown}")
        if app.reachability:
            lines.append("  reachability:")
            for reach in app.reachability:
                lines.append(f"    {MARKS[reach.action]} {reach.source} -> {reach.target}: {reach.ports}")
    return "\n".join(lines) + "\n"


def as_json(diff: Diff) -> str:
    def change(c: PropertyChange) -> dict[str, Any]:
        found = {"path": c.path, "old": plain(c.old), "new": plain(c.new), "effect": c.effect, "reason": c.reason}
        return {**found, "via": c.via} if c.via is not None else found

    def resource(r: ResourceChange) -> dict[str, Any]:
        return {"stack": r.stack, "logical_id": r.logical_id, "type": r.type, "action": r.action,
                "effect": r.effect, "cascaded": r.cascaded, "source": r.source, "renamed_from": r.renamed_from,
                "changes": [change(c) for c in r.changes]}

    report = {
        "changed": diff.changed,
        "summary": counts(diff.resources),
        "applications": [{
            "name": app.name,
            "status": app.status,
            "summary": counts(app.resources),
            "stacks": [{
                "file": stack.file, "status": stack.status, "summary": counts(stack.resources),
                "resources": [resource(r) for r in stack.resources],
                "warnings": stack.warnings,
                **{section.lower(): [{"name": n.name, "action": n.action} for n in stack.named
                                     if n.section == section] for section in NAMED_SECTIONS},
            } for stack in app.stacks],
            "reachability": [{"action": r.action, "from": r.source, "to": r.target, "ports": r.ports}
                             for r in app.reachability],
        } for app in diff.apps],
    }
    return json.dumps(report, indent=2, allow_nan=False) + "\n"  # plain() wrote every value as JSON holds it


def as_markdown(diff: Diff) -> str:
    """A pull-request comment: per application a summary table, replacements loudly, details folded."""
    lines = ["## Blueprint diff", ""]
    if not diff.changed:
        return "\n".join([*lines, "No changes to the generated templates.", ""])
    for app in diff.apps:
        if app.status == MODIFIED and not app.stacks and not app.reachability:
            continue
        lines.extend(_markdown_app(app))
    return "\n".join(lines)


def _markdown_app(app: AppDiff) -> list[str]:
    status = "" if app.status == MODIFIED else f" ({'new application' if app.status == ADDED else 'removed'})"
    lines = [f"### `{app.name}`{status}", ""]
    resources = app.resources
    replaced = [r for r in resources if r.bucket == REPLACEMENT]
    direct = [r for r in replaced if not r.cascaded]
    cascaded = [r for r in replaced if r.cascaded]
    maybe = [r for r in resources if r.bucket == MAY_REPLACE]
    removed = [r for r in resources if r.bucket == REMOVED]
    if replaced:
        more = f", and {len(cascaded)} more that depend on {'it' if len(direct) == 1 else 'them'}" if cascaded else ""
        lines += ["> [!CAUTION]",
                  f"> **{_count(len(direct) or len(replaced), 'resource')} will be REPLACED**{more}: CloudFormation "
                  "creates each again (new ID, address or DNS name) and deletes the old one.", ""]
    if maybe:
        lines += ["> [!WARNING]",
                  f"> **{_count(len(maybe), 'resource')} may be replaced**, depending on how the change is carried "
                  "out.", ""]
    if removed:
        lines += ["> [!WARNING]", f"> **{_count(len(removed), 'resource')} will be deleted.**", ""]
    rolling = [r for r in resources if r.bucket == INTERRUPTION]
    if rolling:
        names = ", ".join(f"`{r.logical_id}`" for r in rolling[:4]) + (", …" if len(rolling) > 4 else "")
        lines += ["> [!NOTE]", f"> **{_count(len(rolling), 'update')} with interruption** ({names}): tasks or "
                  "instances are replaced a few at a time.", ""]
    for stack in app.stacks:
        for warning in stack.warnings:
            lines += ["> [!WARNING]", f"> **This update fails as it stands** (`{stack.file}`): {_cell(warning)}", ""]
    lines += ["| stack | " + " | ".join(COLUMNS[b] for b in SUMMARY_ORDER) + " |",
              "|---|" + "---:|" * len(SUMMARY_ORDER)]
    for stack in app.stacks:
        found = counts(stack.resources)
        what = "" if stack.status == MODIFIED else f" ({stack.status})"
        cells = [_bold(found[b]) if b == REPLACEMENT else str(found[b] or "") for b in SUMMARY_ORDER]
        lines.append(f"| `{stack.file}`{what} | " + " | ".join(cells) + " |")
    lines.append("")
    if replaced:
        lines += ["#### Replaced", "", "| stack | resource | why | blueprint key |", "|---|---|---|---|"]
        lines += [_replacement_row(r) for r in (direct or replaced)]
        lines.append("")
        if direct and cascaded:
            lines += [f"<details><summary>{_count(len(cascaded), 'more resource')} replaced because "
                      "they take the ID of a replaced one</summary>", "",
                      "| stack | resource | why | blueprint key |", "|---|---|---|---|",
                      *(_replacement_row(r) for r in cascaded), "", "</details>", ""]
    if maybe:
        lines += ["#### May be replaced", "", "| stack | resource | why | blueprint key |", "|---|---|---|---|",
                  *(_replacement_row(r) for r in maybe), ""]
    if app.reachability:
        lines += ["#### Who can reach whom", "", "| | from | to | ports |", "|---|---|---|---|",
                  *(f"| {'**added**' if r.action == ADDED else 'removed'} | {_cell(r.source)} | {_cell(r.target)} "
                    f"| {r.ports} |" for r in app.reachability), ""]
    for stack in app.stacks:
        if not stack.resources and not stack.named:
            continue
        what = "" if stack.status == MODIFIED else f" ({stack.status})"
        lines += [f"<details><summary><code>{stack.file}</code>{what}: {_summary(stack.resources)}</summary>", ""]
        if stack.resources:
            lines += ["| resource | update | changes |", "|---|---|---|"]
            lines += [_detail_row(r) for r in stack.resources]
            lines.append("")
        for section in NAMED_SECTIONS:
            named = [n for n in stack.named if n.section == section]
            if named:
                lines += [f"{section}: " + ", ".join(f"`{n.name}` {n.action}" for n in named), ""]
        lines += ["</details>", ""]
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _bold(number: int) -> str:
    return f"**{number}**" if number else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _replacement_row(resource: ResourceChange) -> str:
    source = f"`{resource.source}`" if resource.source else ""
    return (f"| `{resource.stack}` | `{resource.logical_id}` {resource.type} | "
            f"{_cell(_why(resource, '`', '<br>'))} | {source} |")


def _detail_row(resource: ResourceChange) -> str:
    effect = {REPLACEMENT: "**replacement**", MAY_REPLACE: "**may replace**"}.get(
        resource.bucket, COLUMNS[resource.bucket])
    if resource.action in (ADDED, REMOVED):
        text = f"from `{resource.source}`" if resource.source else ""
    elif resource.action == RENAMED:
        text = _why(resource, "`")
    else:
        shown = [_change_text(c, "`") + (f" ({c.reason.split('; ')[0]})" if c.effect != IN_PLACE else "")
                 for c in resource.changes[:MAX_CHANGES_SHOWN]]
        hidden = len(resource.changes) - len(shown)
        text = "<br>".join(shown + ([f"… and {hidden} more"] if hidden > 0 else []))
    return f"| `{resource.logical_id}` {resource.type} | {effect} | {_cell(text)} |"
