"""Read the plan file into the model, with every error located in the file.

Parsing never raises on bad input: it returns the findings, each pointing at
the line of the offending key or value, and a plan only when there are none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .model import ContentType, Finding, Phase, Plan, PlannedPage, Template

TOP_LEVEL_KEYS = {
    "schema_version": True,  # key -> required
    "root": True,
    "counts": False,
    "content_types": True,
    "templates": True,
    "phases": True,
    "pages": True,
}
CONTENT_TYPE_KEYS = {"label": True, "default_template": True, "description": False}
TEMPLATE_KEYS = {"required_sections": True}
PHASE_KEYS = {"name": True, "goal": False, "weeks": True}
PAGE_KEYS = {
    "page": True,
    "parent": False,
    "title": True,
    "content_type": True,
    "template": False,
    "jtbd": True,
    "phase": True,
    "week": True,
}
COUNTS_KEYS = {"pages": False, "by_content_type": False, "by_phase": False, "seed_summary": False}
SCHEMA_VERSION = 1


@dataclass
class Value:
    """A YAML value with the 1-based line it starts on."""

    data: Any  # str, int, float, bool, None, list[Value] or dict[str, Value]
    line: int
    key_line: int = 0  # for mapping values: the line of their key

    @property
    def where(self) -> int:
        return self.key_line or self.line


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.findings: list[Finding] = []

    def add(self, line: int, message: str, fix: str, subtype: str = "plan-schema") -> None:
        self.findings.append(Finding(str(self.path), line, subtype, message, fix))


def load_plan(path: str | Path) -> tuple[Plan | None, list[Finding]]:
    """Parse the plan at ``path``. Returns ``(plan, [])`` or ``(None, findings)``."""
    path = Path(path)
    problems = _Problems(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(1, f"cannot read the plan file: {exc.strerror or exc}.",
                     "check that docplan_plan in conf.py names the plan file.", "plan-syntax")
        return None, problems.findings
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.add(line, f"the plan file is not UTF-8 text (byte 0x{data[exc.start]:02x}).",
                     "save the file as UTF-8 text.", "plan-syntax")
        return None, problems.findings
    return parse_plan(text, path)


def parse_plan(text: str, path: str | Path) -> tuple[Plan | None, list[Finding]]:
    """Parse plan text; ``path`` is only used to locate findings."""
    path = Path(path)
    problems = _Problems(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        if _reject_anchors(text, loader, problems):
            return None, problems.findings
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        problems.add(line, f"the plan is not valid YAML: {problem}.",
                     "correct the YAML syntax at this line.", "plan-syntax")
        return None, problems.findings
    if node is None:
        problems.add(1, "the plan file is empty.", "restore the plan from version control.")
        return None, problems.findings
    root = _to_value(node, problems)
    plan = _build_plan(root, path, problems)
    findings = sorted(problems.findings, key=lambda f: (f.line, f.message))
    return (plan if not findings else None), findings


def _reject_anchors(text: str, loader: type, problems: _Problems) -> bool:
    """Report every YAML anchor and alias; True when there is one.

    The plan is plain data, and aliases are how a small file expands into a huge or
    endless structure (an "alias bomb", or a list that contains itself). Scanning the
    parser's events costs a few milliseconds and expands nothing.
    """
    found = False
    for event in yaml.parse(text, Loader=loader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            problems.add(line, f"the plan uses the YAML alias '*{_short(event.anchor, 30)}'; the plan does not "
                         "allow anchors and aliases.", "write the value out in full here.", "plan-syntax")
            found = True
        elif getattr(event, "anchor", None) is not None:
            problems.add(line, f"the plan defines the YAML anchor '&{_short(event.anchor, 30)}'; the plan does not "
                         "allow anchors and aliases.", "remove the anchor, and write its value out wherever an "
                         "alias used it.", "plan-syntax")
            found = True
        if len(problems.findings) >= 20:
            break  # enough to act on
    return found


def _to_value(node: yaml.Node, problems: _Problems) -> Value:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Value] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                problems.add(key_line, f"a key here is {kind}; every key in the plan is a plain name.",
                             "write the key as a name followed by a colon, such as 'title:'.")
                continue
            key = key_node.value
            if key in mapping:
                problems.add(key_line, f"duplicate key '{_short(key)}' (first at line {mapping[key].where}).",
                             "remove one of the two keys.")
                continue
            value = _to_value(value_node, problems)
            value.key_line = key_line
            mapping[str(key)] = value
        return Value(mapping, line)
    if isinstance(node, yaml.SequenceNode):
        return Value([_to_value(item, problems) for item in node.value], line)
    try:
        data = yaml.constructor.SafeConstructor().construct_object(node)
    except yaml.YAMLError:
        data = node.value
    return Value(data, line)


def _short(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters, so an odd value cannot flood a message."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Value | Any) -> str:
    """A value as the plan wrote it, in YAML flow style and short, never as internal objects."""
    data = _plain(value if isinstance(value, Value) else Value(value, 0))
    try:
        text = yaml.safe_dump(data, default_flow_style=True, width=10_000).strip()
        text = text.removesuffix("...").strip()
    except yaml.YAMLError:
        text = str(data)
    return _short(text)


def _plain(value: Value) -> Any:
    if isinstance(value.data, dict):
        return {k: _plain(v if isinstance(v, Value) else Value(v, 0)) for k, v in value.data.items()}
    if isinstance(value.data, list):
        return [_plain(v if isinstance(v, Value) else Value(v, 0)) for v in value.data]
    return value.data


def _check_keys(mapping: Value, spec: dict[str, bool], what: str, problems: _Problems) -> bool:
    """Report unknown and missing keys of ``mapping``; True when all required keys exist."""
    if not isinstance(mapping.data, dict):
        problems.add(mapping.line, f"{what} must be a mapping (got {_type_name(mapping.data)}).",
                     f"write {what} as 'key: value' lines.")
        return False
    allowed = ", ".join(spec)
    for key, value in mapping.data.items():
        if key not in spec:
            problems.add(value.where, f"unknown key '{_short(key)}' in {what}; expected one of: {allowed}.",
                         f"remove '{_short(key)}' or correct its spelling.")
    complete = True
    for key, required in spec.items():
        if required and key not in mapping.data:
            problems.add(mapping.line, f"{what} has no '{key}' key.", f"add '{key}: ...' to {what}.")
            complete = False
    return complete


def _is_name(data: Any) -> bool:
    """True for a value that can name a page, type, template or phase (a string or a whole number)."""
    return isinstance(data, (str, int)) and not isinstance(data, bool)


def _type_name(data: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", int: "a number",
            bool: "true/false", type(None): "nothing"}.get(type(data), type(data).__name__)


def _expect(value: Value, kind: type | tuple[type, ...], what: str, problems: _Problems) -> bool:
    is_bool_for_int = kind is int and isinstance(value.data, bool)
    if is_bool_for_int or not isinstance(value.data, kind):
        expected = {str: "a string", int: "a whole number", list: "a list"}.get(kind, "a value")  # type: ignore[call-overload]
        problems.add(value.where, f"{what} must be {expected} (got {_type_name(value.data)}: {_show(value)}).",
                     f"write {what} as {expected}.")
        return False
    return True


def _week_range(value: Value, what: str, problems: _Problems) -> tuple[int, int] | None:
    data = value.data
    if isinstance(data, int) and not isinstance(data, bool):
        return data, data
    if (isinstance(data, list) and len(data) == 2
            and all(isinstance(v.data, int) and not isinstance(v.data, bool) for v in data)
            and data[0].data <= data[1].data):
        return data[0].data, data[1].data
    problems.add(value.where, f"{what} must be a week number or [first, last] (got {_show(value)}).",
                 f"write {what} as 3 or [3, 4].")
    return None


def _build_plan(root: Value, path: Path, problems: _Problems) -> Plan | None:
    if not _check_keys(root, TOP_LEVEL_KEYS, "the plan", problems):
        return None
    top = root.data
    if top["schema_version"].data != SCHEMA_VERSION:
        problems.add(top["schema_version"].where,
                     f"schema_version is {_show(top['schema_version'])}; this docplan reads version {SCHEMA_VERSION}.",
                     f"set schema_version: {SCHEMA_VERSION}.")
    governed = top["root"]
    if _expect(governed, str, "root", problems) and (
            PurePosixPath(governed.data).is_absolute() or ".." in PurePosixPath(governed.data).parts):
        problems.add(governed.where, f"root must be a directory inside the docs (got {_show(governed)}).",
                     "name a directory relative to the docs source directory, such as 'training'.")

    templates = _parse_templates(top["templates"], problems)
    content_types = _parse_content_types(top["content_types"], templates, problems)
    phases = _parse_phases(top["phases"], problems)
    pages = _parse_pages(top["pages"], content_types, templates, phases, problems)
    if "counts" in top and pages is not None and not problems.findings:
        _check_counts(top["counts"], pages, problems)  # counts over a broken page list are noise
    if problems.findings or pages is None:
        return None
    return Plan(path=path, root=governed.data.strip("/"), content_types=content_types,
                templates=templates, phases=phases, pages=tuple(pages))


def _parse_templates(node: Value, problems: _Problems) -> dict[str, Template]:
    templates: dict[str, Template] = {}
    if not isinstance(node.data, dict):
        _check_keys(node, {}, "templates", problems)
        return templates
    for name, spec in node.data.items():
        what = f"template '{_short(name)}'"
        if not _check_keys(spec, TEMPLATE_KEYS, what, problems):
            continue
        sections = spec.data["required_sections"]
        if _expect(sections, list, f"{what} required_sections", problems):
            titles = [s.data for s in sections.data]
            if not all(isinstance(t, str) and t.strip() for t in titles):
                problems.add(sections.where, f"{what} required_sections must be a list of headings.",
                             "write each required section as a heading text, such as 'Related'.")
                continue
            templates[name] = Template(name, tuple(titles))
    return templates


def _parse_content_types(node: Value, templates: dict[str, Template],
                         problems: _Problems) -> dict[str, ContentType]:
    types: dict[str, ContentType] = {}
    if not isinstance(node.data, dict):
        _check_keys(node, {}, "content_types", problems)
        return types
    for name, spec in node.data.items():
        what = f"content type '{_short(name)}'"
        if not _check_keys(spec, CONTENT_TYPE_KEYS, what, problems):
            continue
        default = spec.data["default_template"]
        if not _is_name(default.data) or default.data not in templates:
            problems.add(default.where, f"{what} names default_template '{_show(default)}', which is not a template; "
                         f"templates: {', '.join(templates) or 'none'}.",
                         "name one of the templates, or add the template under 'templates'.")
        label = spec.data["label"]
        _expect(label, str, f"{what} label", problems)
        description = spec.data.get("description", Value("", 0)).data or ""
        types[name] = ContentType(name, str(label.data), str(default.data), str(description))
    return types


def _parse_phases(node: Value, problems: _Problems) -> dict[int, Phase]:
    phases: dict[int, Phase] = {}
    if not isinstance(node.data, dict):
        _check_keys(node, {}, "phases", problems)
        return phases
    for key, spec in node.data.items():
        if not str(key).isdigit():
            problems.add(spec.where, f"phase '{_short(key)}' must be a whole number.", "number the phases 1, 2, 3 ...")
            continue
        what = f"phase {key}"
        if not _check_keys(spec, PHASE_KEYS, what, problems):
            continue
        weeks = _week_range(spec.data["weeks"], f"{what} weeks", problems)
        if weeks:
            goal = spec.data.get("goal", Value("", 0)).data or ""
            phases[int(key)] = Phase(int(key), str(spec.data["name"].data), str(goal), weeks)
    return phases


def _parse_pages(node: Value, content_types: dict[str, ContentType], templates: dict[str, Template],
                 phases: dict[int, Phase], problems: _Problems) -> list[PlannedPage] | None:
    if not _expect(node, list, "pages", problems):
        return None
    pages: list[PlannedPage] = []
    seen: dict[str, int] = {}
    for item in node.data:
        if not _check_keys(item, PAGE_KEYS, "a page entry", problems):
            continue
        entry = item.data
        name = entry["page"]
        if not _expect(name, str, "page", problems):
            continue
        page = name.data
        where = f"page '{_short(page)}'"
        pure = PurePosixPath(page)
        if pure.suffix != ".md" or pure.is_absolute() or ".." in pure.parts:
            problems.add(name.where, f"{where} must be a relative path to a .md file inside the root directory.",
                         "write it like 'datasets/format-specification.md'.")
            continue
        if page in seen:
            problems.add(name.where, f"{where} is planned twice (first at line {seen[page]}).",
                         "remove one of the two entries.")
            continue
        seen[page] = item.line

        parent = entry.get("parent")
        parent_page = None
        if parent is not None:
            parent_page = parent.data
            if not _is_name(parent_page) or parent_page not in seen or parent_page == page:
                message, fix = _parent_problem(page, parent_page, node.data)
                problems.add(parent.where, f"{where} {message}", fix)
                continue

        content_type = entry["content_type"]
        if not _is_name(content_type.data) or content_type.data not in content_types:
            problems.add(content_type.where,
                         f"{where} has content_type '{_show(content_type)}', which is not one of: "
                         f"{', '.join(content_types)}.",
                         "use one of the content types, or add it under 'content_types'.")
            continue
        template_name = entry.get("template")
        template = template_name.data if template_name else content_types[content_type.data].default_template
        if not _is_name(template) or template not in templates:
            problems.add(template_name.where if template_name else content_type.where,
                         f"{where} uses template '{_show(template)}', which is not one of: {', '.join(templates)}.",
                         "use one of the templates, or add it under 'templates'.")
            continue
        phase = entry["phase"]
        if not _is_name(phase.data) or phase.data not in phases:
            problems.add(phase.where, f"{where} is in phase {_show(phase)}, which is not one of: "
                         f"{', '.join(map(str, phases))}.", "use a phase listed under 'phases'.")
            continue
        week = _week_range(entry["week"], f"{where} week", problems)
        if week is None:
            continue
        first, last = phases[phase.data].weeks
        if not (first <= week[0] and week[1] <= last):
            problems.add(entry["week"].where, f"{where} is planned for week {_show(entry['week'])}, outside "
                         f"phase {phase.data} (weeks {first}-{last}).",
                         "move the week into the phase's range, or move the page to another phase.")
            continue
        texts = {}
        for key in ("title", "jtbd"):
            if _expect(entry[key], str, f"{where} {key}", problems):
                texts[key] = entry[key].data.strip()
        if len(texts) < 2:
            continue
        pages.append(PlannedPage(page=page, title=texts["title"], content_type=content_type.data,
                                 template=template, jtbd=texts["jtbd"], phase=phase.data, week=week,
                                 parent=parent_page, line=item.line))
    roots = [p for p in pages if p.parent is None]
    if pages and len(roots) != 1:
        names = ", ".join(f"'{p.page}' (line {p.line})" for p in roots) or "none"
        problems.add(node.where, f"the plan needs exactly one page without a parent (the hub); found {names}.",
                     "give every page but the hub a 'parent'.")
    return pages


def _parent_problem(page: str, parent: Any, items: list[Value]) -> tuple[str, str]:
    """What is wrong with a parent that is not a page listed earlier, and a fix that can be followed."""
    if parent == page:
        return ("names itself as its parent.",
                "set 'parent' to the page whose toctree lists this one (the hub has no 'parent').")
    parents = {}  # page -> parent, as written, for following the chain of parents
    for item in items:
        if isinstance(item.data, dict) and isinstance(getattr(item.data.get("page"), "data", None), str):
            parents[item.data["page"].data] = getattr(item.data.get("parent"), "data", None)
    if not _is_name(parent) or parent not in parents:
        return (f"has parent '{_show(parent)}', which is not a planned page.",
                "correct the parent's path, or plan the parent page first.")
    chain, current = [page], parent
    while _is_name(current) and current in parents and current not in chain:
        chain.append(current)
        current = parents[current]
    if current == page:
        loop = " -> ".join(_short(p, 40) for p in [*chain, page])
        return (f"is inside its own subtree: the parents go round in a loop ({_short(loop, 160)}).",
                f"change the 'parent' of '{_short(page)}' to a page outside the loop, such as the hub.")
    return (f"has parent '{_show(parent)}', which is listed after it.",
            f"move the entry of '{_show(parent)}' above this one, so parents come before their children.")


def _check_counts(node: Value, pages: list[PlannedPage], problems: _Problems) -> None:
    if not _check_keys(node, COUNTS_KEYS, "counts", problems):
        return
    actual = {
        "pages": len(pages),
        "by_content_type": dict(Counter(p.content_type for p in pages)),
        "by_phase": dict(Counter(p.phase for p in pages)),
    }
    for key in ("pages", "by_content_type", "by_phase"):
        if key not in node.data:
            continue
        stated = _plain(node.data[key])
        if key != "pages" and isinstance(stated, dict):
            stated = {(int(k) if key == "by_phase" and str(k).isdigit() else k): v for k, v in stated.items()}
        if stated != actual[key]:
            problems.add(node.data[key].where, f"counts.{key} says {_show(stated)}, but the page list gives "
                         f"{_show(actual[key])}.", f"set counts.{key} to {_show(actual[key])}.")
