"""Read the plan file into the model, with every error located in the file.

Parsing never raises on bad input: it returns the findings, each pointing at
the line of the offending key or value, and a plan only when there are none.

The plan's ``pages`` section is the site's tree: a mapping whose keys are
pages (``name.md``) and directories (``name/``, mapping to their own entries),
in toctree order. A page's place in the tree gives its parent: a directory's
``index.md`` is listed by the index of the directory above, every other page
by its own directory's ``index.md``, and the top ``index.md`` is the hub.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .model import ContentType, Finding, Phase, Plan, PlannedPage, ReaderPath, Template, WordBudgets

TOP_LEVEL_KEYS = {
    "schema_version": True,  # key -> required
    "root": True,
    "counts": False,
    "content_types": True,
    "templates": True,
    "phases": True,
    "pages": True,
    "paths": False,
    "word_budgets": False,
}
# A new top-level section is one more key above and one more parse step in _build_plan.
PATH_KEYS = {"id": True, "title": True, "needs": True, "ends_with": True, "steps": True}
WORD_BUDGET_KEYS = {"total": False, "by_template": False, "enforced": True}
PATH_STEPS = (4, 6)  # a path visits four to six pages: enough to arrive, few enough to follow
CONTENT_TYPE_KEYS = {"label": True, "default_template": True, "description": False}
TEMPLATE_KEYS = {"required_sections": True}
PHASE_KEYS = {"name": True, "goal": False, "weeks": True}
PAGE_KEYS = {
    "title": True,
    "content_type": True,
    "template": False,
    "jtbd": True,
    "phase": True,
    "week": True,
}
DERIVED_KEYS = {"page": "the path comes from the entry's place in the tree",
                "parent": "the parent comes from the entry's place in the tree"}
COUNTS_KEYS = {"pages": False, "by_content_type": False, "by_phase": False}
SCHEMA_VERSION = 2  # 2: pages nested by directory, parents derived (1 was a flat list with 'parent:')


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
    if "&" not in text and "*" not in text:  # every anchor is written '&name', every alias '*name'
        return found
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


_STR = "tag:yaml.org,2002:str"


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
    if node.tag == _STR:
        return Value(node.value, line)  # what the constructor would return, without making one
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
        problems.add(mapping.where, f"{what} must be a mapping (got {_type_name(mapping.data)}).",
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
            problems.add(mapping.where, f"{what} has no '{key}' key.", f"add '{key}: ...' to {what}.")
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
                     f"schema_version is {_show(top['schema_version'])}; this docplan reads version {SCHEMA_VERSION}, "
                     "whose 'pages' nest by directory ('name/:' holding its 'name.md:' entries).",
                     f"nest the pages by directory, drop their 'page' and 'parent' keys, and set "
                     f"schema_version: {SCHEMA_VERSION}.")
        return None  # a plan of another version fails every later check; this one message says it all
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
    paths = _parse_paths(top["paths"], problems) if "paths" in top else []
    budgets = _parse_word_budgets(top["word_budgets"], templates, problems) if "word_budgets" in top else None
    if problems.findings or pages is None:
        return None
    return Plan(path=path, root=governed.data.strip("/"), content_types=content_types,
                templates=templates, phases=phases, pages=tuple(pages), paths=tuple(paths),
                word_budgets=budgets)


def _parse_paths(node: Value, problems: _Problems) -> list[ReaderPath]:
    """Reader paths; whether their pages are planned is a site check (``path-unplanned``)."""
    paths: list[ReaderPath] = []
    if not _expect(node, list, "paths", problems):
        return paths
    seen: set[str] = set()
    for item in node.data:
        if not _check_keys(item, PATH_KEYS, "a reader path", problems):
            continue
        spec = item.data
        texts = {key: spec[key].data for key in ("id", "title", "needs", "ends_with")
                 if _expect(spec[key], str, f"reader path {key}", problems)}
        if len(texts) < 4:
            continue
        what = f"reader path '{texts['id']}'"
        if texts["id"] in seen:
            problems.add(spec["id"].where, f"{what} is defined twice.", "give each path its own id.")
            continue
        seen.add(texts["id"])
        steps = _path_steps(spec["steps"], what, problems)
        if steps is None:
            continue
        count = sum(len(step) for step in steps)
        low, high = PATH_STEPS
        if not low <= count <= high:
            problems.add(spec["steps"].where, f"{what} visits {count} pages; a path visits {low} to {high}.",
                         "add or remove steps.")
            continue
        paths.append(ReaderPath(texts["id"], texts["title"].strip(), texts["needs"].strip(),
                                texts["ends_with"].strip(), steps, item.line))
    return paths


def _path_steps(node: Value, what: str, problems: _Problems) -> tuple[tuple[str, ...], ...] | None:
    """Steps: each a page, or a list of alternative pages."""
    if not _expect(node, list, f"{what} steps", problems):
        return None
    steps = []
    for step in node.data:
        pages = step.data if isinstance(step.data, list) else [step]
        names = [p.data for p in pages]
        if not names or not all(isinstance(n, str) and n.endswith(".md") for n in names):
            problems.add(step.where, f"{what} has step {_show(step)}; a step is a page or a list of pages.",
                         "write a step as 'datasets/prepare-for-training.md' or '[a.md, b.md]'.")
            return None
        steps.append(tuple(names))
    return tuple(steps)


def _parse_word_budgets(node: Value, templates: dict[str, Template], problems: _Problems) -> WordBudgets | None:
    if not _check_keys(node, WORD_BUDGET_KEYS, "word_budgets", problems):
        return None
    spec = node.data
    total = spec.get("total")
    if total is not None and not _expect(total, int, "word_budgets total", problems):
        return None
    enforced = spec["enforced"]
    kinds = {"total", "by_template"}
    names = [v.data for v in enforced.data] if isinstance(enforced.data, list) else None
    if isinstance(enforced.data, bool):
        chosen = frozenset(kinds if enforced.data else ())
    elif names is not None and all(n in kinds for n in names):
        chosen = frozenset(names)
    else:
        problems.add(enforced.where, f"word_budgets enforced must be true, false or a list of total and "
                     f"by_template (got {_show(enforced)}).", "write 'enforced: [by_template]', for example.")
        return None
    by_template: dict[str, int] = {}
    limits = spec.get("by_template", Value({}, node.line))
    if not isinstance(limits.data, dict):
        problems.add(limits.where, "word_budgets by_template must map template names to word counts.",
                     "write it as '{how-to: 1800, topic-index: 900}'.")
        return None
    for name, limit in limits.data.items():
        if name not in templates:
            problems.add(limit.where, f"word_budgets names template '{_short(name)}', which is not one of: "
                         f"{', '.join(templates)}.", "name one of the templates.")
        elif _expect(limit, int, f"word_budgets by_template {name}", problems):
            by_template[name] = limit.data
    return WordBudgets(total.data if total is not None else None, by_template, chosen, node.where)


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
        what = f"phase {_short(key)}"
        if not _check_keys(spec, PHASE_KEYS, what, problems):
            continue
        weeks = _week_range(spec.data["weeks"], f"{what} weeks", problems)
        if weeks:
            goal = spec.data.get("goal", Value("", 0)).data or ""
            phases[int(key)] = Phase(int(key), str(spec.data["name"].data), str(goal), weeks)
    return phases


def _parse_pages(node: Value, content_types: dict[str, ContentType], templates: dict[str, Template],
                 phases: dict[int, Phase], problems: _Problems) -> list[PlannedPage] | None:
    """The pages of the tree under ``pages``, depth first in file order, parents derived."""
    if not isinstance(node.data, dict):
        problems.add(node.where, f"pages must be a mapping of pages and directories (got {_type_name(node.data)}).",
                     "write each page as 'name.md:' and each directory as 'name/:' with its pages indented below.")
        return None
    pages: list[PlannedPage] = []
    _walk(node, "", None, content_types, templates, phases, pages, problems)
    return pages


def _walk(directory: Value, prefix: str, above: str | None, content_types: dict[str, ContentType],
          templates: dict[str, Template], phases: dict[int, Phase], pages: list[PlannedPage],
          problems: _Problems) -> None:
    """Add the pages of one directory (``prefix`` such as 'datasets/'); ``above`` is the index that lists it."""
    where_dir = f"directory '{prefix}'" if prefix else "the top of 'pages'"
    entries: dict[str, Value] = directory.data
    if "index.md" not in entries:
        problems.add(directory.where, f"{where_dir} has no 'index.md'; the pages of a directory are listed in the "
                     "toctree of its index page" + ("." if prefix else ", and the top index.md is the hub."),
                     f"add an 'index.md:' entry to {where_dir}.")
        return
    index = prefix + "index.md"
    for name, value in entries.items():
        if name.endswith("/"):
            child = name.rstrip("/")
            if not child or "/" in child or child in {".", ".."}:
                problems.add(value.where, f"'{_short(name)}' in {where_dir} must name one directory, such as 'datasets/'.",
                             "nest each directory inside its parent instead of writing a path.")
            elif not isinstance(value.data, dict) or not value.data:
                problems.add(value.where, f"directory '{_short(prefix + name)}' must hold its pages ('name.md:' entries).",
                             f"list the pages of '{_short(prefix + name)}' below it, indented, or remove it.")
            else:
                _walk(value, prefix + name, index, content_types, templates, phases, pages, problems)
            continue
        pure = PurePosixPath(name)
        if pure.suffix != ".md" or len(pure.parts) != 1 or name.startswith("."):
            problems.add(value.where, f"'{_short(name)}' in {where_dir} is neither a page ('name.md') nor a directory "
                         "('name/').", "write a page as 'name.md:' and a directory as 'name/:'.")
            continue
        page = prefix + name
        parent = above if page == index else index
        entry = _parse_entry(value, page, parent, content_types, templates, phases, problems)
        if entry is not None:
            pages.append(entry)


def _parse_entry(item: Value, page: str, parent: str | None, content_types: dict[str, ContentType],
                 templates: dict[str, Template], phases: dict[int, Phase],
                 problems: _Problems) -> PlannedPage | None:
    where = f"page '{_short(page)}'"
    if isinstance(item.data, dict):
        for key, reason in DERIVED_KEYS.items():
            if key in item.data:
                problems.add(item.data[key].where, f"{where} has a '{key}' key; {reason}.", f"remove '{key}'.")
                del item.data[key]
    if not _check_keys(item, PAGE_KEYS, where, problems):
        return None
    entry = item.data
    content_type = entry["content_type"]
    if not _is_name(content_type.data) or content_type.data not in content_types:
        problems.add(content_type.where,
                     f"{where} has content_type '{_show(content_type)}', which is not one of: "
                     f"{', '.join(content_types)}.",
                     "use one of the content types, or add it under 'content_types'.")
        return None
    template_name = entry.get("template")
    template = template_name.data if template_name else content_types[content_type.data].default_template
    if not _is_name(template) or template not in templates:
        problems.add(template_name.where if template_name else content_type.where,
                     f"{where} uses template '{template}', which is not one of: {', '.join(templates)}.",
                     "use one of the templates, or add it under 'templates'.")
        return None
    phase = entry["phase"]
    if not _is_name(phase.data) or phase.data not in phases:
        problems.add(phase.where, f"{where} is in phase {_show(phase)}, which is not one of: "
                     f"{', '.join(map(str, phases))}.", "use a phase listed under 'phases'.")
        return None
    week = _week_range(entry["week"], f"{where} week", problems)
    if week is None:
        return None
    first, last = phases[phase.data].weeks
    if not (first <= week[0] and week[1] <= last):
        problems.add(entry["week"].where, f"{where} is planned for week {_show(entry['week'])}, outside "
                     f"phase {phase.data} (weeks {first}-{last}).",
                     "move the week into the phase's range, or move the page to another phase.")
        return None
    texts = {}
    for key in ("title", "jtbd"):
        if _expect(entry[key], str, f"{where} {key}", problems):
            texts[key] = entry[key].data.strip()
    if len(texts) < 2:
        return None
    return PlannedPage(page=page, title=texts["title"], content_type=content_type.data, template=template,
                       jtbd=texts["jtbd"], phase=phase.data, week=week, parent=parent, line=item.where)


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
