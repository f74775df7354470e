"""Facts about a nemo-gym release, read from its unpacked wheel with ``ast``.

Nothing here imports the release: it needs a newer Python than the docs
toolchain, and reading is all the checks need. The facts are:

- the ``gym`` command tree: every command, its flags, and the config key each
  flag sets (``nemo_gym/cli/main.py``, the ``COMMANDS`` table);
- the legacy ``ng_*`` aliases and the ``gym`` tokens they stand for
  (``nemo_gym/cli/legacy.py``, ``LEGACY``);
- the fields of config classes, with their types and defaults, inherited
  fields included;
- the reserved top-level config keys (``global_config.py``);
- every string literal, for checking quoted messages;
- the top-level names each module defines, for checking imports.
"""

from __future__ import annotations

import ast
import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

REQUIRED = "required"
FACTS_FORMAT = 7  # bump when the cached facts change shape

# Flag helpers in cli/main.py: (option name argument, config key argument or fixed key, takes a value).
_FLAG_HELPERS = {
    "_value_flag": (0, 1, True),
    "_bool_flag": (0, 1, False),
    "_csv_list_flag": (0, 1, True),
    "_comma_list_flag": (0, 1, True),
    "_asset_selector": (0, "config_paths", True),
}
# Options every leaf command accepts (registered by _add_leaf and argparse).
LEAF_OPTIONS = {"-v": None, "--verbose": None, "-h": None, "--help": None}

# Which config class reads a command's overrides. The CLI dispatches to a module
# function that validates the merged config into one of these classes; the
# tests confirm each class exists and is used by the command's module.
COMMAND_CONFIGS = {
    "eval run --no-serve": ("nemo_gym/rollout_collection.py", "RolloutCollectionConfig"),
    "eval run": ("nemo_gym/rollout_collection.py", "E2ERolloutCollectionConfig"),
    "eval aggregate": ("nemo_gym/rollout_collection.py", "RolloutAggregationConfig"),
    "eval profile": ("nemo_gym/reward_profile.py", "RewardProfileConfig"),
    "eval reverify": ("nemo_gym/rollout_reverification.py", "RolloutReverificationConfig"),
    "dataset collate": ("nemo_gym/train_data_utils.py", "TrainDataProcessorConfig"),
    "env start": ("nemo_gym/cli/env.py", "RunConfig"),
    "env test": ("nemo_gym/cli/env.py", "TestConfig"),
    "env schema": ("nemo_gym/cli/env.py", "SchemaConfig"),
}


# Config classes that servers and exporters validate against the whole global
# config on every command: their fields are top-level keys any command accepts.
# The tests confirm each one is passed the global config somewhere in the source.
GLOBAL_CONFIG_CLASSES = (
    "nemo_gym/server_utils.py:GlobalAIOHTTPAsyncClientConfig",
    "nemo_gym/server_utils.py:ProfilingMiddlewareConfig",
    "nemo_gym/server_utils.py:UvicornLoggingConfig",
    "nemo_gym/server_utils.py:UvicornProxyHeadersConfig",
    "nemo_gym/token_id_capture/config.py:TokenIdCaptureConfig",
    "nemo_gym/config_types.py:WANDBConfig",
    "nemo_gym/config_types.py:MLFlowConfig",
)
# Keys every CLI config class reads before validation: `+help=true` prints its fields
# (BaseNeMoGymCLIConfig.pre_process in nemo_gym/config_types.py).
CLI_HELP_KEYS = ("help", "h")


@dataclass
class Option:
    """One command-line option: its spellings, the config key it sets, and whether it takes a value."""

    names: list[str]
    key: str | None
    takes_value: bool
    nargs: int = 1  # values it takes when takes_value: a count, or -1 for "as many as follow"


@dataclass
class Command:
    name: str  # "eval run"
    target: str  # "module:function" or the name of a dispatching function in main.py
    options: list[Option] = field(default_factory=list)
    positionals: int = 0

    def option(self, spelling: str) -> Option | None:
        return next((o for o in self.options if spelling in o.names), None)


@dataclass
class FieldFact:
    name: str
    type: str
    default: str  # the default's source text, or REQUIRED


@dataclass
class ClassFact:
    module: str  # wheel-relative path
    name: str
    line: int
    bases: list[str]  # "path.py:Class" when the base is in the wheel, else the bare name
    fields: list[FieldFact]


@dataclass
class GymFacts:
    version: str
    commands: dict[str, Command]
    legacy: dict[str, list[str]]  # "ng_collect_rollouts" -> ["eval", "run", "--no-serve"]
    reserved_keys: list[str]
    flag_keys: list[str]  # every config key some flag sets
    classes: dict[str, ClassFact]  # "path.py:Class" -> fact
    module_names: dict[str, list[str]]  # "nemo_gym.foo" -> top-level names
    files: dict[str, str]  # wheel-relative path -> content hash
    literals: list[str]
    unresolved: list[str] = field(default_factory=list)  # flag expressions the reader could not follow

    @cached_property
    def literal_text(self) -> str:
        return "\x00".join(self.literals)

    def fields(self, spec: str) -> list[FieldFact] | None:
        """Fields of ``path.py:Class`` with inherited ones, base classes first."""
        fact = self.classes.get(spec)
        if fact is None:
            return None
        merged: dict[str, FieldFact] = {}
        for base in reversed(fact.bases):  # later bases are further down the MRO
            for inherited in self.fields(base) or []:
                merged[inherited.name] = inherited
        for own in fact.fields:
            merged[own.name] = own
        return list(merged.values())

    @cached_property
    def global_keys(self) -> set[str]:
        """Top-level keys any command accepts: reserved keys, flag keys and process-wide configs."""
        keys = set(self.reserved_keys) | set(self.flag_keys) | set(CLI_HELP_KEYS)
        for spec in GLOBAL_CONFIG_CLASSES:
            keys |= {f.name for f in self.fields(spec) or []}
        return keys

    def to_json(self) -> str:
        data = asdict(self)
        data["format"] = FACTS_FORMAT
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> GymFacts | None:
        """The facts saved by :meth:`to_json`; None when ``text`` is not such a file (another
        format, cut short, edited by hand), so the caller reads the release again."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.pop("format", None) != FACTS_FORMAT:
                return None
            data["commands"] = {k: Command(**{**v, "options": [Option(**o) for o in v["options"]]})
                                for k, v in data["commands"].items()}
            data["classes"] = {k: ClassFact(**{**v, "fields": [FieldFact(**f) for f in v["fields"]]})
                               for k, v in data["classes"].items()}
            return cls(**data)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


def read_facts(root: Path, version: str) -> GymFacts:
    """Extract the facts from the unpacked wheel at ``root``."""
    main_tree = _parse(root / "nemo_gym/cli/main.py")
    commands, unresolved = _commands(main_tree)
    option_keys = sorted({o.key for c in commands.values() for o in c.options if o.key})
    modules: dict[str, ast.Module] = {}
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        source = path.read_bytes()
        files[relative] = _digest(source)
        try:
            modules[relative] = ast.parse(source, filename=relative)
        except SyntaxError:
            continue
    constants = _string_constants(modules)
    literals: set[str] = set()
    for tree in modules.values():
        literals.update(_literals(tree, constants))
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix != ".py":
            files[path.relative_to(root).as_posix()] = _digest(path.read_bytes())
    classes = {}
    for relative, tree in modules.items():
        for spec, fact in _classes(relative, tree, modules).items():
            classes[spec] = fact
    return GymFacts(
        version=version,
        commands=commands,
        legacy={f"ng_{k}": v for k, v in _assigned_dict(_parse(root / "nemo_gym/cli/legacy.py"), "LEGACY").items()},
        reserved_keys=_reserved_keys(root),
        flag_keys=option_keys,
        classes=classes,
        module_names={_module_name(r): sorted(_top_level_names(t)) for r, t in modules.items()},
        files=files,
        literals=sorted(literals),
        unresolved=unresolved,
    )


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_name(relative: str) -> str:
    name = relative[: -len(".py")].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


# -- The command tree --------------------------------------------------------------------------


def _commands(tree: ast.Module) -> tuple[dict[str, Command], list[str]]:
    assigned = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    table = assigned["COMMANDS"]
    assert isinstance(table, ast.Dict)
    commands: dict[str, Command] = {}
    unresolved: list[str] = []
    for key, value in zip(table.keys, table.values):
        name = key.value
        keywords = {k.arg: k.value for k in value.keywords}
        target = keywords.get("target", value.args[0] if value.args else None)
        command = Command(name=name, target=ast.unparse(target).strip("'\"") if target is not None else "")
        flags = keywords.get("flags")
        for expr in flags.elts if isinstance(flags, ast.Tuple) else []:
            if not _read_flag(expr, command, assigned, functions):
                unresolved.append(f"{name}: {ast.unparse(expr)[:80]}")
        commands[name] = command
    return commands, unresolved


def _read_flag(expr: ast.expr, command: Command, assigned: dict, functions: dict) -> bool:
    if isinstance(expr, ast.Name) and expr.id in assigned:
        return _read_flag(assigned[expr.id], command, assigned, functions)
    if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Name):
        return False
    helper = expr.func.id
    if helper in _FLAG_HELPERS:
        name_at, key_at, takes_value = _FLAG_HELPERS[helper]
        name = _const(expr.args[name_at]) if len(expr.args) > name_at else None
        key = key_at if isinstance(key_at, str) else (_const(expr.args[key_at]) if len(expr.args) > key_at else None)
        aliases = next((k.value for k in expr.keywords if k.arg == "aliases"), None)
        names = [f"--{name}", *([_const(a) for a in aliases.elts] if isinstance(aliases, ast.Tuple) else [])]
        command.options.append(Option(names=names, key=key, takes_value=takes_value))
        return name is not None
    if helper == "Flag":
        keywords = {k.arg: k.value for k in expr.keywords}
        register = keywords.get("register")
        body = functions.get(register.id) if isinstance(register, ast.Name) else register
        if body is None:
            return False
        keys = _override_keys(keywords.get("translate_to_hydra"), functions)
        calls = [n for n in ast.walk(body) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr == "add_argument"]
        for call in calls:
            names = [_const(a) for a in call.args if isinstance(_const(a), str)]
            options = [n for n in names if n.startswith("-")]
            if not options:
                command.positionals += 1
                continue
            keywords = {k.arg: k.value for k in call.keywords}
            action = _const(keywords["action"]) if "action" in keywords else None
            takes_value = action not in ("store_true", "store_false", "store_const", "count")
            nargs = _const(keywords["nargs"]) if "nargs" in keywords else None
            count = nargs if isinstance(nargs, int) else (-1 if nargs in ("*", "+") else 1)
            command.options.append(Option(names=options, key=keys[0] if len(keys) == 1 else None,
                                          takes_value=takes_value, nargs=count))
        return bool(calls)
    return False


def _override_keys(expr: ast.expr | None, functions: dict) -> list[str]:
    """Config keys a translate_to_hydra function emits as ``+key=...``."""
    if expr is None:
        return []
    if isinstance(expr, ast.Name):
        expr = functions.get(expr.id)
    keys = []
    for node in ast.walk(expr) if expr is not None else []:
        text = None
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(_const(node.values[0]), str):
            text = _const(node.values[0])
        elif isinstance(_const(node), str):
            text = _const(node)
        if text and text.startswith("+") and "=" in text:
            keys.append(text.lstrip("+").split("=", 1)[0])
    return sorted(set(keys))


def _const(node: ast.AST):
    return node.value if isinstance(node, ast.Constant) else None


def _assigned_dict(tree: ast.Module, name: str) -> dict:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(name)


def _reserved_keys(root: Path) -> list[str]:
    """NEMO_GYM_RESERVED_TOP_LEVEL_KEYS, with its constants (CONFIG_PATHS_KEY_NAME, ...) resolved."""
    constants: dict[str, str] = {}
    for path in root.joinpath("nemo_gym").rglob("*.py"):
        for node in _parse(path).body:
            if (isinstance(node, ast.Assign) and isinstance(_const(node.value), str)
                    and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id.isupper()):
                constants.setdefault(node.targets[0].id, node.value.value)
    for node in _parse(root / "nemo_gym/global_config.py").body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "NEMO_GYM_RESERVED_TOP_LEVEL_KEYS"
                                                for t in node.targets):
            keys = []
            for element in node.value.elts:
                if isinstance(element, ast.Name) and element.id in constants:
                    keys.append(constants[element.id])
                elif isinstance(_const(element), str):
                    keys.append(element.value)
            return keys
    raise KeyError("NEMO_GYM_RESERVED_TOP_LEVEL_KEYS")


# -- Classes, names, literals ----------------------------------------------------------------------


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            names.update(_top_level_names(ast.Module(body=node.body, type_ignores=[])))
    return names


def _imports(relative: str, tree: ast.Module) -> dict[str, str]:
    """Names imported into a module -> the wheel-relative path of the module that defines them."""
    imported = {}
    package = relative.rsplit("/", 1)[0] if "/" in relative else ""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split("/")[: len(package.split("/")) - node.level + 1]
                module = "/".join(base + (node.module.split(".") if node.module else []))
            else:
                module = (node.module or "").replace(".", "/")
            for alias in node.names:
                imported[alias.asname or alias.name] = module
    return imported


def _classes(relative: str, tree: ast.Module, modules: dict[str, ast.Module]) -> dict[str, ClassFact]:
    imported = _imports(relative, tree)
    local = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    facts = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = []
        for base in node.bases:
            name = ast.unparse(base)
            if name in local:
                bases.append(f"{relative}:{name}")
            elif name in imported:
                module = imported[name]
                path = next((p for p in (f"{module}.py", f"{module}/__init__.py") if p in modules), None)
                bases.append(f"{path}:{name}" if path else name)
            else:
                bases.append(name)
        facts[f"{relative}:{node.name}"] = ClassFact(relative, node.name, node.lineno, bases, _fields(node))
    return facts


def _fields(node: ast.ClassDef) -> list[FieldFact]:
    fields = []
    for item in node.body:
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
            continue
        name = item.target.id
        annotation = ast.unparse(item.annotation)
        if name.startswith("_") or name == "model_config" or annotation.startswith(("ClassVar", "typing.ClassVar")):
            continue
        fields.append(FieldFact(name, annotation, _default(item.value)))
    return fields


def _default(value: ast.expr | None) -> str:
    if value is None:
        return REQUIRED
    if isinstance(value, ast.Call) and ast.unparse(value.func) in ("Field", "pydantic.Field"):
        keywords = {k.arg: k.value for k in value.keywords}
        if "default" in keywords:
            return _default(keywords["default"])
        if "default_factory" in keywords:
            factory = keywords["default_factory"]
            known = {"list": "[]", "dict": "{}", "set": "set()", "tuple": "()"}
            text = ast.unparse(factory)
            if text in known:
                return known[text]
            if isinstance(factory, ast.Lambda):
                return ast.unparse(factory.body)
            return f"{text}()"
        if value.args:
            return _default(value.args[0])
        return REQUIRED
    if isinstance(value, ast.Constant) and value.value is Ellipsis:
        return REQUIRED
    return ast.unparse(value)


def _string_constants(modules: dict[str, ast.Module]) -> dict[str, str]:
    """Module-level UPPER_CASE string constants of nemo_gym, such as CONFIG_PATHS_KEY_NAME."""
    constants: dict[str, str] = {}
    for relative, tree in modules.items():
        if not relative.startswith("nemo_gym/"):
            continue
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id.isupper() and isinstance(_const(node.value), str)):
                constants.setdefault(node.targets[0].id, node.value.value)
    return constants


def _literals(tree: ast.Module, constants: dict[str, str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 4:
            found.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            # Keep the template with "{}" where values go (fragments between them are matched),
            # and spell out named string constants, as the printed message does.
            found.add("".join(_template_part(v, constants) for v in node.values))
    return found


def _template_part(value: ast.expr, constants: dict[str, str]) -> str:
    if isinstance(value, ast.Constant):
        return str(value.value)
    if (isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name)
            and value.value.id in constants and value.format_spec is None and value.conversion == -1):
        return constants[value.value.id]
    return "{}"
