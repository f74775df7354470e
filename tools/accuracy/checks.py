"""Check what the pages say about NeMo Gym against facts read from the release.

Every check is a pure function from a parsed page and the release facts to
findings located at ``page:line``. ``check_pages`` runs them all and counts
what it checked, including the blocks that opted out with a skip marker.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import shlex
import tomllib
from collections import Counter

import yaml
from docplan.model import Finding

from .blocks import MARKER_KINDS, CodeBlock, Page, Table, inline_code
from .source import COMMAND_CONFIGS, LEAF_OPTIONS, REQUIRED, GymFacts

SHELL_LANGUAGES = {"console", "bash", "sh", "shell", "shell-session", "zsh"}
WRAPPERS = {"time", "uv", "run", "env", "sudo", "exec", "nohup"}
ROOT_OPTIONS = {"--version", "--json", "-v", "--verbose", "-h", "--help"}
WHEEL_PACKAGES = ("nemo_gym", "resources_servers", "responses_api_agents", "responses_api_models",
                  "environment_servers", "environments", "benchmarks")
_PLACEHOLDER = re.compile(r"<[^<>\s][^<>]*>|\.\.\.|…")


class Checker:
    def __init__(self, facts: GymFacts, rollout_schema: dict | None = None) -> None:
        self.facts = facts
        self.rollout_schema = rollout_schema
        self.counts: Counter[str] = Counter()

    # -- entry point ---------------------------------------------------------------------------

    def check_page(self, page: Page, display: str) -> list[Finding]:
        self.display = display
        findings: list[Finding] = []
        findings += self.check_markers(page)
        findings += self.check_sources(page)
        for block in page.blocks:
            if block.marker and block.marker.kind == "skip":
                self.counts["opt-outs"] += 1
                continue
            findings += self.check_block(block)
        for table in page.tables:
            findings += self.check_table(table)
        return findings

    def finding(self, line: int, kind: str, message: str, fix: str = "") -> Finding:
        return Finding(self.display, line, kind, message, fix, tool="accuracy")

    def check_markers(self, page: Page) -> list[Finding]:
        used = {id(b.marker) for b in page.blocks if b.marker} | {id(t.marker) for t in page.tables if t.marker}
        findings = []
        for marker in page.markers:
            if marker.kind not in MARKER_KINDS:
                findings.append(self.finding(marker.line, "marker", f"unknown marker 'docs-check: {marker.kind}'; "
                                             f"known: {', '.join(sorted(MARKER_KINDS))}."))
            elif id(marker) not in used:
                findings.append(self.finding(marker.line, "marker", f"marker 'docs-check: {marker.kind}' is not "
                                             "directly above a code block or table."))
            elif marker.kind == "skip" and not marker.argument:
                findings.append(self.finding(marker.line, "marker", "a skip marker needs a reason in parentheses."))
        return findings

    def check_sources(self, page: Page) -> list[Finding]:
        if page.front_matter_error:
            line, problem = page.front_matter_error
            return [self.finding(line, "source", f"{problem}, so the page's sources cannot be checked.",
                                 "write the front matter as 'key: value' lines between '---' lines.")]
        sources = page.front_matter.get("sources")
        line = page.front_matter_lines.get("sources", 1)
        if sources is not None and not isinstance(sources, list):
            return [self.finding(line, "source", f"sources is {type(sources).__name__} "
                                 f"{str(sources)[:60]!r}, not a list, so it was not checked.",
                                 "write 'sources:' followed by one '- path/in/the/wheel.py' line per source.")]
        findings = []
        for source in page.sources():
            self.counts["sources"] += 1
            if source not in self.facts.files:
                findings.append(self.finding(page.source_lines.get(source, line), "source", f"source '{source}' is "
                                             f"not a file in nemo-gym {self.facts.version}."))
        return findings

    # -- code blocks ---------------------------------------------------------------------------

    def check_block(self, block: CodeBlock) -> list[Finding]:
        language = block.language
        if block.marker and block.marker.kind == "rollout":
            return self.check_rollout(block)
        if block.marker and block.marker.kind == "message":
            return self.check_message_block(block)
        if language in SHELL_LANGUAGES:
            return self.check_shell(block)
        if language in ("python", "py", "python3"):
            return self.check_python(block)
        if language in ("yaml", "yml"):
            return self.check_parses(block, "YAML", lambda t: list(yaml.safe_load_all(t)))
        if language == "json":
            return self.check_parses(block, "JSON", json.loads)
        if language == "jsonl":
            return self.check_parses(block, "JSON Lines", lambda t: [json.loads(x) for x in t.splitlines() if x.strip()])
        if language == "toml":
            return self.check_parses(block, "TOML", tomllib.loads)
        return []

    def check_parses(self, block: CodeBlock, what: str, parse) -> list[Finding]:
        self.counts[f"{what} blocks"] += 1
        try:
            parse(block.text)
        except (yaml.YAMLError, json.JSONDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
            line = block.line + _error_line(exc)
            return [self.finding(line, "syntax", f"this {what} block does not parse: {_first_line(exc)}.")]
        return []

    def check_rollout(self, block: CodeBlock) -> list[Finding]:
        self.counts["rollout examples"] += 1
        found = self.check_parses(block, "JSON", json.loads)
        if found:
            return found
        if self.rollout_schema is None:
            return [self.finding(block.line, "rollout", "no rollout schema to validate this example against.")]
        import jsonschema

        errors = sorted(jsonschema.Draft202012Validator(self.rollout_schema).iter_errors(json.loads(block.text)),
                        key=lambda e: list(e.path))
        return [self.finding(block.line, "rollout", f"rollout example does not match the rollout schema at "
                             f"'{'/'.join(map(str, e.path)) or '(root)'}': {e.message}.") for e in errors[:3]]

    def check_python(self, block: CodeBlock) -> list[Finding]:
        self.counts["Python blocks"] += 1
        try:
            tree = ast.parse(block.text)
        except SyntaxError as exc:
            return [self.finding(block.line + (exc.lineno or 1), "syntax",
                                 f"this Python block does not parse: {exc.msg}.")]
        findings = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                findings += self._check_import(block, node.lineno, node.module, [a.name for a in node.names])
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    findings += self._check_import(block, node.lineno, alias.name, [])
        return findings

    def _check_import(self, block: CodeBlock, lineno: int, module: str, names: list[str]) -> list[Finding]:
        modules = self.facts.module_names
        parts = module.split(".")
        if parts[0] not in WHEEL_PACKAGES:
            return []
        if parts[0] != "nemo_gym" and ".".join(parts[:2]) not in modules:
            return []  # the reader's own server or agent, not one the release ships
        self.counts["imports"] += 1
        line = block.line + lineno
        if module not in modules:
            hint = _did_you_mean(module, modules)
            return [self.finding(line, "import", f"module '{module}' does not exist in nemo-gym "
                                 f"{self.facts.version}.{hint}")]
        missing = [n for n in names if n != "*" and n not in modules[module] and f"{module}.{n}" not in modules]
        return [self.finding(line, "import", f"'{module}' has no name '{n}' in nemo-gym {self.facts.version}."
                             f"{_did_you_mean(n, modules[module])}") for n in missing]

    # -- commands ------------------------------------------------------------------------------

    def check_shell(self, block: CodeBlock) -> list[Finding]:
        findings = []
        for words in _commands_in(block):
            findings += self.check_command(words)
        return findings

    def check_command(self, located: list[tuple[str, int]]) -> list[Finding]:
        words = [w for w, _ in located]
        lines = [n for _, n in located]
        start = _command_start(words)
        if start is None:
            return []
        program, args = words[start], words[start + 1:]
        line = lines[start]
        arg_lines = lines[start + 1:]
        if program not in ("gym", "ng"):
            legacy = self.facts.legacy.get(program.replace("nemo_gym_", "ng_"))
            if legacy is None:
                self.counts["commands"] += 1
                known = ", ".join(sorted(self.facts.legacy))
                return [self.finding(line, "command", f"'{program}' is not a NeMo Gym command; the legacy aliases "
                                     f"are: {known}.")]
            args = [*legacy, *args]
            arg_lines = [line] * len(legacy) + arg_lines
        self.counts["commands"] += 1
        while args and args[0] in ROOT_OPTIONS:
            args, arg_lines = args[1:], arg_lines[1:]
        if not args:
            return []
        name = " ".join(args[:2]) if " ".join(args[:2]) in self.facts.commands else args[0]
        command = self.facts.commands.get(name)
        if command is None:
            typed = " ".join(a for a in args[:2] if not a.startswith(("-", "+")) and "=" not in a)
            return [self.finding(line, "command", f"'gym {typed}' is not a command of nemo-gym "
                                 f"{self.facts.version}.{_did_you_mean(typed, self.facts.commands, 'gym ')}")]
        taken = len(name.split())
        return self._check_arguments(arg_lines[taken:], command, args[taken:])

    def _check_arguments(self, lines: list[int], command, rest: list[str]) -> list[Finding]:
        findings = []
        shown = f"gym {command.name}"
        spec_name = f"{command.name} --no-serve" if "--no-serve" in rest and command.name == "eval run" else command.name
        positionals = 0
        index = 0
        while index < len(rest):
            word, line = rest[index], lines[index]
            index += 1
            if word.startswith("-") and not word.startswith("--") and len(word) > 2 and "=" not in word:
                word = word[:2]  # -a NAME written as -aNAME
            if word.startswith("-"):
                spelling = word.split("=", 1)[0]
                option = command.option(spelling)
                self.counts["options"] += 1
                if option is None and spelling not in LEAF_OPTIONS and not (spelling == "--json" and command.option("--json")):
                    names = [n for o in command.options for n in o.names] + list(LEAF_OPTIONS)
                    findings.append(self.finding(line, "option", f"'{spelling}' is not an option of '{shown}'."
                                                 f"{_did_you_mean(spelling, names)}"))
                    if "=" not in word and index < len(rest) and not rest[index].startswith(("-", "+")):
                        index += 1  # its value
                    continue
                if option and option.takes_value and "=" not in word:
                    if option.nargs >= 0:
                        index += option.nargs
                    else:
                        while index < len(rest) and not rest[index].startswith(("-", "+")):
                            index += 1
                continue
            if word.startswith(("+", "~")) or "=" in word:
                findings += self._check_override(line, spec_name, word)
                continue
            positionals += 1
            if positionals > command.positionals:
                findings.append(self.finding(line, "option", f"'{shown}' takes no argument '{word}'; pass settings "
                                             "as --flags or +key=value overrides."))
        return findings

    def _check_override(self, line: int, spec_name: str, word: str) -> list[Finding]:
        key = word.lstrip("+~").split("=", 1)[0]
        top = key.split(".", 1)[0]
        spec = COMMAND_CONFIGS.get(spec_name)
        allowed = set(self.facts.global_keys)
        if spec is None:
            self.counts["overrides (unchecked: no config class)"] += 1
            return []
        fields = self.facts.fields(f"{spec[0]}:{spec[1]}") or []
        allowed |= {f.name for f in fields}
        if top in allowed:
            self.counts["overrides"] += 1
            return []
        if "." in key:
            self.counts["overrides (unchecked: server instance path)"] += 1
            return []
        self.counts["overrides"] += 1
        return [self.finding(line, "override", f"'+{key}' is not a key of {spec[1]} (gym {spec_name}) nor a reserved "
                             f"global key in nemo-gym {self.facts.version}.{_did_you_mean(key, allowed)}")]

    # -- tables and messages -------------------------------------------------------------------

    def check_table(self, table: Table) -> list[Finding]:
        findings = []
        if table.marker and table.marker.kind == "fields":
            findings += self.check_fields_table(table)
        elif table.marker and table.marker.kind == "skip":
            self.counts["opt-outs"] += 1
            return []
        column = table.column("Message")
        if column is not None:
            for line, cells in table.rows:
                for text in inline_code(cells[column]) if column < len(cells) else []:
                    findings += self.check_message(line, text)
        return findings

    def check_fields_table(self, table: Table) -> list[Finding]:
        self.counts["field tables"] += 1
        spec = table.marker.argument
        fields = self.facts.fields(spec)
        if fields is None:
            return [self.finding(table.marker.line, "fields", f"'{spec}' is not a class in nemo-gym "
                                 f"{self.facts.version}; write it as path/to/module.py:ClassName.")]
        default_column = table.column("Default")
        if default_column is None:
            return [self.finding(table.line, "fields", "a fields table needs a 'Default' column.")]
        by_name = {f.name: f for f in fields}
        class_name = spec.split(":")[-1]
        findings, documented = [], []
        for line, cells in table.rows:
            names = inline_code(cells[0])
            if not names:
                continue
            name = names[0]
            documented.append(name)
            fact = by_name.get(name)
            if fact is None:
                findings.append(self.finding(line, "fields", f"'{name}' is not a field of {class_name} in nemo-gym "
                                             f"{self.facts.version}.{_did_you_mean(name, by_name)}"))
                continue
            written = cells[default_column] if default_column < len(cells) else ""
            if not _same_default(written, fact.default):
                expected = REQUIRED if fact.default == REQUIRED else f"`{fact.default}`"
                findings.append(self.finding(line, "fields", f"the default of '{name}' is {expected} in nemo-gym "
                                             f"{self.facts.version}, not {written.strip() or 'empty'}."))
        missing = [name for name in by_name if name not in documented]
        if missing:
            findings.append(self.finding(table.line, "fields", f"the {class_name} table leaves out "
                                         f"{len(missing)} field(s): {', '.join(missing)}."))
        return findings

    def check_message_block(self, block: CodeBlock) -> list[Finding]:
        findings = []
        for offset, text in enumerate(block.text.splitlines(), 1):
            if text.strip():
                findings += self.check_message(block.line + offset, text.strip())
        return findings

    def check_message(self, line: int, text: str) -> list[Finding]:
        self.counts["messages"] += 1
        fragments = [f.strip() for f in _PLACEHOLDER.split(text)]
        missing = [f for f in fragments if len(f.replace(" ", "")) >= 3 and not self._printed(f)]
        if not missing:
            return []
        return [self.finding(line, "message", f"'{missing[0]}' is not text that nemo-gym {self.facts.version} "
                             "prints or raises; quote the message exactly and write variable parts as <name>.")]


    def _printed(self, fragment: str) -> bool:
        """True when the source holds ``fragment``, or each of its sentences when the library
        builds the message from several strings."""
        corpus = self.facts.literal_text
        if fragment in corpus:
            return True
        sentences = [s for s in re.split(r"(?<=[.:!?])\s+", fragment) if s]
        return len(sentences) > 1 and all(s in corpus for s in sentences)


def _commands_in(block: CodeBlock) -> list[list[tuple[str, int]]]:
    """Each command in a shell block as (word, line) pairs; console blocks only count '$ ' lines.

    Continuation lines are lexed one by one, so every word keeps the line it is on.
    """
    lines = block.text.splitlines()
    commands: list[list[tuple[str, int]]] = []
    index = 0
    while index < len(lines):
        raw = lines[index].lstrip()
        index += 1
        if block.language == "console" or raw.startswith("$ "):
            if not raw.startswith("$ "):
                continue
            raw = raw[2:]
        if raw.startswith("#"):
            continue
        words: list[tuple[str, int]] = []
        number = block.line + index
        while True:
            continued = raw.rstrip().endswith("\\")
            try:
                words += [(w, number) for w in shlex.split(raw.rstrip().rstrip("\\"), comments=True)]
            except ValueError:
                pass
            if not continued or index >= len(lines):
                break
            raw, number = lines[index], block.line + index + 1
            index += 1
        segment: list[tuple[str, int]] = []
        for word, line in [*_without_redirections(words), (";", 0)]:
            if word in (";", "&&", "||", "|", "&"):
                if segment:
                    commands.append(segment)
                segment = []
            else:
                segment.append((word.rstrip(";"), line))
    return commands


_PLACEHOLDER_WORD = re.compile(r"^<[^<>]+>$")


def _without_redirections(words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop shell redirections (``> file``, ``2>&1``, ``2>err.log``), which are not arguments.

    ``<name>`` placeholders stay: they stand for a value the reader fills in.
    """
    kept, skip_next = [], False
    for word, line in words:
        if skip_next:
            skip_next = False
        elif _PLACEHOLDER_WORD.match(word):
            kept.append((word, line))
        elif re.fullmatch(r"\d*(>>?|<)", word):
            skip_next = True
        elif not re.match(r"^\d*(>>?|<)", word):
            kept.append((word, line))
    return kept


def _command_start(words: list[str]) -> int | None:
    for index, word in enumerate(words):
        if word in ("gym", "ng") or re.fullmatch(r"(ng|nemo_gym)_\w+", word):
            return index
        if not (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word) or word in WRAPPERS):
            return None
    return None


def _same_default(written: str, default: str) -> bool:
    text = written.strip()
    if default == REQUIRED:
        return text.lower().strip("*_ ") == REQUIRED
    codes = inline_code(text)
    if not codes:
        return False
    normalise = lambda s: s.replace('"', "'").replace(" ", "")  # noqa: E731
    if normalise(codes[0]) == normalise(default):
        return True
    written_value, default_value = _constant_value(codes[0]), _constant_value(default)
    return written_value is not _UNKNOWN and written_value == default_value


_UNKNOWN = object()
_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Pow: lambda a, b: a ** b}


def _constant_value(text: str):
    """The value of a literal or constant arithmetic (``100 * 1024``), else _UNKNOWN."""
    def value(node):
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        return ast.literal_eval(node)
    try:
        return value(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError):
        return _UNKNOWN


def _did_you_mean(word: str, options, prefix: str = "") -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" Did you mean '{prefix}{close[0]}'?" if close else ""


def _error_line(exc: Exception) -> int:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return mark.line + 1
    if isinstance(exc, json.JSONDecodeError):
        return exc.lineno
    return 1


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0].rstrip(".")


def check_pages(pages: list[tuple[Page, str]], facts: GymFacts,
                rollout_schema: dict | None) -> tuple[list[Finding], Counter[str]]:
    checker = Checker(facts, rollout_schema)
    findings: list[Finding] = []
    for page, display in pages:
        findings += checker.check_page(page, display)
    return sorted(set(findings)), checker.counts
