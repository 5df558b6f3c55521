"""Engine catalogs generated from an engine's own argument definitions, read statically.

Pure: source text in, catalog data out. Nothing is imported or run: the engine's Python files are
parsed with :mod:`ast` (SGLang: ``sglang/srt/server_args.py`` and the ``arg_groups/fields``
namespaces it is assembled from; vLLM: ``vllm/engine/arg_utils.py`` with the ``vllm/config``
dataclasses whose fields, defaults and attribute docstrings it turns into flags), and llama.cpp's
flags are read from the text ``llama-server --help`` prints. Downloading a wheel and running the
binary belong to :mod:`autotuner.tuning.engine.wheels` and the ``autotuner catalog`` command.

What is read:

* ``parser.add_argument("--a", "--alias", type=int, choices=[...], default=..., help=...,
  action=...)`` anywhere in the files, with ``**kwargs_var["field"]`` where ``kwargs_var =
  get_kwargs(ConfigClass)`` (vLLM);
* dataclass-like class fields ``name: T = default`` with an attribute docstring below them (vLLM
  configs) or ``name: A[T, "help"]`` / ``A[T, Arg(help=..., choices=..., aliases=...)]`` (SGLang);
* a boolean is a switch: ``store_true`` (``--flag`` only) or ``BooleanOptionalAction``
  (``--flag`` / ``--no-flag``);
* a flag is deprecated when its action's name says so or its help starts by saying so, and the
  flag that replaces it comes from the action's ``new_flag=`` or the help's "use --other".

A value that cannot be worked out statically (a function call, a platform check) becomes
``null``: the engine decides at start-up, which is what ``null`` means in a catalog.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from autotuner.core.parameters import FLAG_NAME_RE

GENERATOR = "autotuner catalog sync"


class SourceError(ValueError):
    """The sources do not hold what the generator reads (a moved file, an unknown layout)."""


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass
class ParsedFlag:
    """One command-line flag as the engine defines it (names without leading dashes)."""

    name: str
    type: str = "string"  # int, float, bool, string
    help: str = ""
    default: Any = None
    choices: list[Any] | None = None
    aliases: list[str] = field(default_factory=list)
    switch: bool = False  # a boolean flag that takes no value
    negative: str | None = None  # the flag that turns the switch off (``no-<name>``), when there is one
    deprecated: bool = False
    replaced_by: str | None = None
    multiple: bool = False  # takes several values (nargs "+"/"*", list fields)

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON form: keys left out when empty, false or null (``default`` always kept)."""
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.aliases:
            out["aliases"] = self.aliases
        if self.choices is not None:
            out["choices"] = self.choices
        out["default"] = self.default
        for key in ("switch", "negative", "multiple", "deprecated", "replaced_by"):
            value = getattr(self, key)
            if value:
                out[key] = value
        out["help"] = self.help
        return out


# Reading values out of the syntax tree


class Sources:
    """The engine's Python files (``{"pkg/mod.py": text}``), parsed once, with their module-level
    constants and classes reachable by name across ``from x import y``."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.trees: dict[str, ast.Module] = {}
        for path, text in files.items():
            try:
                self.trees[path] = ast.parse(text, filename=path)
            except SyntaxError as problem:
                raise SourceError(f"{path} is not Python this generator can read: {problem}") from None
        self.classes: dict[str, ast.ClassDef] = {}
        self.class_home: dict[str, str] = {}
        for path, tree in self.trees.items():
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and node.name not in self.classes:
                    self.classes[node.name] = node
                    self.class_home[node.name] = path
        self._constants: dict[str, dict[str, ast.expr]] = {}
        self._imports: dict[str, dict[str, tuple[str, str]]] = {}
        for path, tree in self.trees.items():
            constants: dict[str, ast.expr] = {}
            imports: dict[str, tuple[str, str]] = {}
            for node in tree.body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    constants[node.targets[0].id] = node.value
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                    constants[node.target.id] = node.value
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    for alias in node.names:
                        imports[alias.asname or alias.name] = (node.module, alias.name)
            self._constants[path] = constants
            self._imports[path] = imports

    def _module_paths(self, module: str) -> list[str]:
        base = module.replace(".", "/")
        return [p for p in (f"{base}.py", f"{base}/__init__.py") if p in self.trees]

    def constant(self, path: str, name: str, depth: int = 0) -> tuple[str, ast.expr] | None:
        """The expression bound to ``name`` at module level in ``path`` (following imports)."""
        if depth > 8:
            return None
        if name in self._constants.get(path, {}):
            return path, self._constants[path][name]
        target = self._imports.get(path, {}).get(name)
        if target is not None:
            for other in self._module_paths(target[0]):
                found = self.constant(other, target[1], depth + 1)
                if found is not None:
                    return found
        return None

    def value(self, node: ast.expr | None, path: str, depth: int = 0) -> Any:
        """The Python value of ``node`` when it can be known without running anything."""
        if node is None or depth > 12:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items: list[Any] = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    inner = self.value(element.value, path, depth + 1)
                    if not isinstance(inner, (list, tuple, set)):
                        return UNKNOWN
                    items.extend(inner)
                    continue
                item = self.value(element, path, depth + 1)
                if item is UNKNOWN:
                    return UNKNOWN
                items.append(item)
            return items
        if isinstance(node, ast.Dict):
            out: dict[Any, Any] = {}
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                if key_node is None:
                    return UNKNOWN
                key, value = self.value(key_node, path, depth + 1), self.value(value_node, path, depth + 1)
                if key is UNKNOWN:
                    return UNKNOWN
                out[key] = value
            return out
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.Constant):
                    parts.append(str(part.value))
                else:
                    inner = self.value(getattr(part, "value", None), path, depth + 1)
                    parts.append("{...}" if inner is UNKNOWN else str(inner))
            return "".join(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.value(node.operand, path, depth + 1)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner if isinstance(node.op, ast.USub) else inner
            return UNKNOWN
        if isinstance(node, ast.BinOp):
            left, right = self.value(node.left, path, depth + 1), self.value(node.right, path, depth + 1)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            try:
                if isinstance(node.op, ast.Add):
                    return left + right
                if isinstance(node.op, ast.Mult):
                    return left * right
                if isinstance(node.op, ast.Pow) and isinstance(left, int) and isinstance(right, int) and right < 64:
                    return left**right
            except TypeError:
                return UNKNOWN
            return UNKNOWN
        if isinstance(node, ast.Name):
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            found = self.constant(path, node.id)
            if found is None:
                return UNKNOWN
            return self.value(found[1], found[0], depth + 1)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            # ``ClassName.field``: the default of a dataclass field (``default=ServerArgs.tp_size``)
            cls = self.classes.get(node.value.id)
            if cls is not None:
                for item in cls.body:
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        if item.target.id == node.attr:
                            return field_default(self, item.value, self.class_home[cls.name], depth + 1)
                    elif isinstance(item, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == node.attr for t in item.targets
                    ):
                        return self.value(item.value, self.class_home[cls.name], depth + 1)
            return UNKNOWN
        if isinstance(node, ast.Call):
            callee = _callee_name(node.func)
            if callee in ("list", "tuple", "sorted", "set") and len(node.args) == 1 and not node.keywords:
                inner = self.value(node.args[0], path, depth + 1)
                if isinstance(inner, dict):
                    inner = list(inner)
                if isinstance(inner, (list, tuple, set)):
                    items = list(inner)
                    return sorted(items, key=str) if callee in ("sorted", "set") else items
            return UNKNOWN
        return UNKNOWN


def _callee_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def field_default(sources: Sources, node: ast.expr | None, path: str, depth: int = 0) -> Any:
    """The default of a class field: its value, or ``field(default=...)`` / ``Field(default=...)``;
    ``default_factory`` and a field without a default give UNKNOWN."""
    if node is None:
        return UNKNOWN
    if isinstance(node, ast.Call) and _callee_name(node.func) in ("field", "Field"):
        for keyword in node.keywords:
            if keyword.arg == "default":
                return sources.value(keyword.value, path, depth + 1)
        if node.args and _callee_name(node.func) == "Field":
            return sources.value(node.args[0], path, depth + 1)
        return UNKNOWN
    return sources.value(node, path, depth)


# Types


@dataclass
class _TypeInfo:
    kind: str = "string"
    choices: list[Any] | None = None
    optional: bool = False
    multiple: bool = False
    has_bool: bool = False
    only_bool: bool = False


def _type_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    return ""


_BUILTIN_TYPES = frozenset({"int", "float", "bool", "str", "None", "list", "dict", "tuple", "set", "Any"})


def read_type(sources: Sources, node: ast.expr | None, path: str) -> _TypeInfo:
    """What an annotation says: int/float/bool/string, Literal choices, Optional, a list."""
    members: list[ast.expr] = []
    seen: set[str] = set()

    def flatten(n: ast.expr | None) -> None:
        if n is None:
            return
        if isinstance(n, ast.Name) and n.id not in _BUILTIN_TYPES and n.id not in seen:
            alias = sources.constant(path, n.id)  # a type alias: ``SchedulerPolicy = Literal[...]``
            if alias is not None and isinstance(alias[1], (ast.Subscript, ast.BinOp)):
                seen.add(n.id)
                flatten(alias[1])
                return
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            try:
                flatten(ast.parse(n.value, mode="eval").body)
            except SyntaxError:
                members.append(n)
            return
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
            flatten(n.left)
            flatten(n.right)
            return
        if isinstance(n, ast.Subscript):
            outer = _type_name(n.value)
            inner = n.slice
            args = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
            if outer in ("Annotated", "A"):
                flatten(args[0])
                return
            if outer == "Optional":
                members.append(ast.Constant(value=None))
                flatten(args[0])
                return
            if outer == "Union":
                for a in args:
                    flatten(a)
                return
        members.append(n)

    flatten(node)
    info = _TypeInfo()
    kinds: list[str] = []
    for member in members:
        name = _type_name(member.value) if isinstance(member, ast.Subscript) else _type_name(member)
        if name == "None":
            info.optional = True
        elif name == "Literal" and isinstance(member, ast.Subscript):
            values = sources.value(member.slice, path)
            values = values if isinstance(values, list) else [values]
            if values and values is not UNKNOWN and all(v is not UNKNOWN for v in values):
                info.choices = (info.choices or []) + [v for v in values if v is not None]
                kinds.append(_value_kind(info.choices[0]) if info.choices else "string")
        elif name in ("list", "List", "tuple", "Tuple", "set", "Set", "Sequence"):
            info.multiple = True
            kinds.append("string")
        elif name in ("int", "float", "bool", "str"):
            kinds.append({"str": "string"}.get(name, name))
        else:
            kinds.append("string")
    info.has_bool = "bool" in kinds
    info.only_bool = bool(kinds) and all(k == "bool" for k in kinds)
    scalar = [k for k in kinds if k != "bool"]
    if info.only_bool:
        info.kind = "bool"
    elif scalar and all(k == scalar[0] for k in scalar):
        info.kind = scalar[0]
    elif scalar and set(scalar) <= {"int", "float"}:
        info.kind = "float"
    else:
        info.kind = "string"
    return info


def _value_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "string"


# Class fields (vLLM configs, SGLang namespaces)


@dataclass
class ClassField:
    name: str
    info: _TypeInfo
    default: Any
    help: str
    meta: dict[str, Any]  # SGLang's Arg(...) keywords (evaluated), {} without one
    meta_nodes: dict[str, ast.expr]
    has_meta: bool


def class_fields(sources: Sources, class_name: str) -> dict[str, ClassField]:
    """The annotated fields of ``class_name`` (and of its bases found in the sources), with the
    help from ``A[T, "help"]`` / ``A[T, Arg(help=...)]`` or the attribute docstring below."""
    cls = sources.classes.get(class_name)
    if cls is None:
        raise SourceError(f"class {class_name} is not in the sources read")
    path = sources.class_home[class_name]
    out: dict[str, ClassField] = {}
    for base in cls.bases:
        base_name = _type_name(base)
        if base_name in sources.classes and base_name != class_name:
            out.update(class_fields(sources, base_name))
    body = cls.body
    for index, item in enumerate(body):
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
            continue
        name = item.target.id
        if name.startswith("_") or _type_name(item.annotation) == "ClassVar":
            continue
        annotation = item.annotation
        help_text, meta, meta_nodes, has_meta = "", {}, {}, False
        if isinstance(annotation, ast.Subscript) and _type_name(annotation.value) in ("A", "Annotated"):
            extras = annotation.slice.elts[1:] if isinstance(annotation.slice, ast.Tuple) else []
            for extra in extras:
                if isinstance(extra, ast.Call) and _callee_name(extra.func) == "Arg":
                    has_meta = True
                    meta_nodes = {k.arg: k.value for k in extra.keywords if k.arg}
                    meta = {k: sources.value(v, path) for k, v in meta_nodes.items()}
                    found_help = meta.get("help")
                    help_text = found_help if isinstance(found_help, str) else ""
                elif isinstance(extra, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                    text = sources.value(extra, path)
                    if isinstance(text, str):
                        has_meta, help_text = True, text
        if not help_text and index + 1 < len(body):
            following = body[index + 1]
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                help_text = following.value.value
        out[name] = ClassField(
            name=name,
            info=read_type(sources, annotation, path),
            default=field_default(sources, item.value, path),
            help=_clean_help(help_text),
            meta=meta,
            meta_nodes=meta_nodes,
            has_meta=has_meta,
        )
    return out


def _clean_help(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("%%", "%")).strip()


# Argparse calls


_DEPRECATED_HELP = re.compile(r"^\W*deprecated\b|\bis deprecated\b|^\(deprecated", re.IGNORECASE)
_REPLACEMENT = re.compile(r"\b(?:use|in favou?r of|replaced by)\s+[`'\"]?--([A-Za-z0-9][A-Za-z0-9_-]*)", re.IGNORECASE)
_FIRST_FLAG = re.compile(r"--([A-Za-z0-9][A-Za-z0-9_-]*)")


def _names(option_strings: Iterable[str]) -> list[str]:
    return [s.lstrip("-") for s in option_strings if s.startswith("-") and FLAG_NAME_RE.match(s.lstrip("-"))]


def flag_from_call(
    sources: Sources,
    call: ast.Call,
    path: str,
    kwargs_vars: Mapping[str, tuple[str, str | None]],
) -> ParsedFlag | None:
    """One ``add_argument(...)`` call as a flag; None for a positional argument or a call whose
    option strings are not literal."""
    option_strings: list[str] = []
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            return None
        text = sources.value(arg, path)
        if not isinstance(text, str):
            return None
        option_strings.append(text)
    if not option_strings or not option_strings[0].startswith("-"):
        return None
    names = _names(option_strings)
    if not names:
        return None
    long_names = [n for n, s in zip(names, option_strings, strict=False) if s.startswith("--")] or names
    flag = ParsedFlag(name=long_names[0], aliases=[n for n in names if n != long_names[0]])
    nodes: dict[str, ast.expr] = {}
    from_field: ClassField | None = None
    for keyword in call.keywords:
        if keyword.arg is not None:
            nodes[keyword.arg] = keyword.value
            continue
        source = _kwargs_source(keyword.value, kwargs_vars)
        if source is not None:
            cls_name, field_name = source
            fields_of = class_fields(sources, cls_name)
            if field_name in fields_of:
                from_field = fields_of[field_name]
        elif isinstance(keyword.value, ast.Dict):
            for key_node, value_node in zip(keyword.value.keys, keyword.value.values, strict=True):
                if key_node is None:
                    inner = _kwargs_source(value_node, kwargs_vars)
                    if inner is not None and inner[1] in class_fields(sources, inner[0]):
                        from_field = class_fields(sources, inner[0])[inner[1]]
                elif isinstance(key_node, ast.Constant) and isinstance(key_node.value, str):
                    nodes[key_node.value] = value_node
    if from_field is not None:
        _apply_field(flag, from_field, boolean_optional=True)
    _apply_argparse(sources, flag, nodes, path)
    return flag


def _kwargs_source(node: ast.expr, kwargs_vars: Mapping[str, tuple[str, str | None]]) -> tuple[str, str] | None:
    """``model_kwargs["dtype"]`` -> (ModelConfig, dtype); ``logging_kwargs`` bound to one field."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        bound = kwargs_vars.get(node.value.id)
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if bound is not None and bound[1] is None and isinstance(key, str):
            return bound[0], key
    if isinstance(node, ast.Name):
        bound = kwargs_vars.get(node.id)
        if bound is not None and bound[1] is not None:
            return bound[0], bound[1]
    return None


def _apply_field(flag: ParsedFlag, source: ClassField, *, boolean_optional: bool) -> None:
    """Type, default, choices and help of a flag made from a class field (vLLM's ``get_kwargs``:
    a field that may be a bool is a ``--x/--no-x`` switch; Literal gives the choices)."""
    info = source.info
    flag.help = source.help
    flag.default = None if source.default is UNKNOWN else _plain(source.default)
    flag.multiple = info.multiple
    if info.has_bool and not (info.kind == "string" and not info.only_bool and info.optional and not info.multiple):
        flag.type, flag.switch = "bool", True
        flag.negative = f"no-{flag.name}" if boolean_optional else None
    elif info.has_bool:  # bool | str | None: a bare flag means true, or a value
        flag.type = "string"
    else:
        flag.type = info.kind
        flag.choices = list(info.choices) if info.choices else None


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, set)):
        items = [_plain(v) for v in value]
        return items if all(v is not UNKNOWN for v in items) else None
    if isinstance(value, dict):
        return None  # a structured default is not a command-line value
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _apply_argparse(sources: Sources, flag: ParsedFlag, nodes: Mapping[str, ast.expr], path: str) -> None:
    if "help" in nodes:
        text = sources.value(nodes["help"], path)
        if isinstance(text, str):
            flag.help = _clean_help(text)
    action_node = nodes.get("action")
    action = sources.value(action_node, path) if action_node is not None else None
    action_name = action if isinstance(action, str) else (_callee_name(action_node) if action_node is not None else "")
    if "type" in nodes:
        type_name = _type_name(nodes["type"])
        flag.type = {"int": "int", "float": "float", "str": "string", "bool": "bool"}.get(type_name, "string")
        if flag.type == "bool":
            flag.type = "string"  # type=bool takes a value ("True"/"False"): not a switch
    if action_name in ("store_true", "store_false") or "StoreTrue" in action_name:
        flag.type, flag.switch, flag.negative = "bool", True, None
        flag.default = action_name == "store_false"
    elif action_name == "BooleanOptionalAction":
        flag.type, flag.switch, flag.negative = "bool", True, f"no-{flag.name}"
    elif action_name in ("append", "extend"):
        flag.multiple = True
    if "choices" in nodes:
        choices = sources.value(nodes["choices"], path)
        if isinstance(choices, dict):
            choices = list(choices)
        flag.choices = [c for c in choices if c is not None] if isinstance(choices, list) and choices else None
        if flag.choices and flag.type == "string" and "type" not in nodes:
            flag.type = _value_kind(flag.choices[0])
            if flag.type == "bool":
                flag.type = "string"
    if "nargs" in nodes:
        nargs = sources.value(nodes["nargs"], path)
        if nargs in ("+", "*") or (isinstance(nargs, int) and nargs > 1):
            flag.multiple = True
    if "default" in nodes:
        default = sources.value(nodes["default"], path)
        flag.default = None if default is UNKNOWN else _plain(default)
    deprecated_keyword = sources.value(nodes.get("deprecated"), path) if "deprecated" in nodes else False
    if "Deprecated" in action_name or deprecated_keyword is True or _DEPRECATED_HELP.search(flag.help):
        flag.deprecated = True
    new_flag = sources.value(nodes.get("new_flag"), path) if "new_flag" in nodes else None
    if (isinstance(new_flag, str) and (found := _FIRST_FLAG.search(new_flag))) or (
        flag.deprecated and (found := _REPLACEMENT.search(flag.help))
    ):
        flag.replaced_by = found.group(1)


def _kwargs_bindings(sources: Sources, tree: ast.AST) -> dict[str, tuple[str, str | None]]:
    """``x = get_kwargs(Cls)`` -> {x: (Cls, None)}; ``y = get_kwargs(Cls)["f"]`` or ``y = x["f"]``
    -> {y: (Cls, f)}."""
    bound: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        target, value = node.targets[0].id, node.value
        if isinstance(value, ast.Call) and _callee_name(value.func) == "get_kwargs" and value.args:
            cls_name = _type_name(value.args[0])
            if cls_name in sources.classes:
                bound[target] = (cls_name, None)
        elif isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant):
            key = value.slice.value
            inner = value.value
            if isinstance(inner, ast.Call) and _callee_name(inner.func) == "get_kwargs" and inner.args:
                cls_name = _type_name(inner.args[0])
                if cls_name in sources.classes and isinstance(key, str):
                    bound[target] = (cls_name, key)
            elif isinstance(inner, ast.Name) and inner.id in bound and bound[inner.id][1] is None:
                bound[target] = (bound[inner.id][0], str(key))
    return bound


def argparse_flags(sources: Sources, path: str) -> list[ParsedFlag]:
    """Every ``add_argument("--...")`` call in the file ``path``, in source order."""
    tree = sources.trees.get(path)
    if tree is None:
        raise SourceError(f"{path} is not in the sources read")
    kwargs_vars = _kwargs_bindings(sources, tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _callee_name(n.func) == "add_argument"]
    flags: list[ParsedFlag] = []
    for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
        flag = flag_from_call(sources, node, path, kwargs_vars)
        if flag is not None:
            flags.append(flag)
    return flags


def namespace_flags(sources: Sources, class_name: str) -> list[ParsedFlag]:
    """SGLang's ``A[T, "help"]`` / ``A[T, Arg(...)]`` fields of one namespace class as flags
    (``--field-name`` or ``Arg(cli_name=...)``, plus ``aliases``); ``no_cli`` fields are left out,
    and a bool field is ``store_true`` unless its ``Arg`` names another action."""
    flags: list[ParsedFlag] = []
    path = sources.class_home[class_name]
    for item in class_fields(sources, class_name).values():
        if not item.has_meta or item.meta.get("no_cli") is True:
            continue
        cli_name = item.meta.get("cli_name")
        name = cli_name.lstrip("-") if isinstance(cli_name, str) else item.name.replace("_", "-")
        aliases = item.meta.get("aliases")
        flag = ParsedFlag(name=name, aliases=_names(aliases) if isinstance(aliases, list) else [])
        _apply_field(flag, item, boolean_optional=False)
        nodes = {k: v for k, v in item.meta_nodes.items() if k in ("choices", "action", "nargs")}
        if flag.type == "bool" and "action" not in nodes:
            flag.negative = None  # store_true
        if "action" in nodes:
            action_name = _callee_name(nodes["action"]) or str(sources.value(nodes["action"], path))
            if action_name == "BooleanOptionalAction" or action_name in ("store_true", "store_false"):
                flag.type, flag.switch = "bool", True
                flag.negative = f"no-{name}" if action_name == "BooleanOptionalAction" else None
            elif flag.type == "bool":
                flag.type, flag.switch, flag.negative = "string", False, None
        if "choices" in nodes:
            choices = sources.value(nodes["choices"], path)
            if isinstance(choices, list) and choices and all(c is not UNKNOWN for c in choices):
                flag.choices = [c for c in choices if c is not None]
                if flag.type == "string":
                    flag.type = _value_kind(flag.choices[0]) if flag.choices[0] is not True else "string"
        if "nargs" in nodes and sources.value(nodes["nargs"], path) in ("+", "*"):
            flag.multiple = True
        if flag.default is None and not flag.switch:
            fallback = item.meta.get("fallback")
            if fallback is not None and fallback is not UNKNOWN and not isinstance(fallback, (list, dict)):
                flag.default = fallback
        if _DEPRECATED_HELP.search(flag.help):
            flag.deprecated = True
            found = _REPLACEMENT.search(flag.help)
            flag.replaced_by = found.group(1) if found else None
        flags.append(flag)
    return flags


def dataclass_flags(sources: Sources, class_name: str) -> list[ParsedFlag]:
    """Every field of a dataclass registered as ``--field-name`` with vLLM's ``get_kwargs``."""
    flags = []
    for item in class_fields(sources, class_name).values():
        flag = ParsedFlag(name=item.name.replace("_", "-"))
        _apply_field(flag, item, boolean_optional=True)
        flags.append(flag)
    return flags


# Putting a catalog together


def merge_flags(groups: Iterable[Iterable[ParsedFlag]]) -> list[ParsedFlag]:
    """Flags in order, the later definition of a name replacing the earlier one (argparse would
    refuse a clash; the engine's later registration is what runs); sorted by name. A
    ``replaced_by`` that names no flag (or names an alias) is resolved or dropped."""
    by_name: dict[str, ParsedFlag] = {}
    for group in groups:
        for flag in group:
            by_name[flag.name] = flag
    spellings: dict[str, str] = {}
    for flag in by_name.values():
        for spelling in (flag.name, *flag.aliases):
            spellings.setdefault(spelling, flag.name)
    for flag in by_name.values():
        flag.aliases = [a for a in dict.fromkeys(flag.aliases) if spellings.get(a) == flag.name and a != flag.name]
        if flag.replaced_by is not None:
            target = spellings.get(flag.replaced_by)
            flag.replaced_by = target if target is not None and target != flag.name else None
        if flag.choices is not None:
            flag.choices = list(dict.fromkeys(_hashable(c) for c in flag.choices)) or None
            if flag.choices is not None and any(_value_kind(c) != flag.type for c in flag.choices):
                if flag.type in ("int", "float") and all(_value_kind(c) in ("int", "float") for c in flag.choices):
                    pass
                else:
                    flag.choices = [str(c) for c in flag.choices]
                    flag.type = "string"
    return [by_name[name] for name in sorted(by_name)]


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def sglang_flags(files: Mapping[str, str]) -> list[ParsedFlag]:
    """SGLang's flags: the namespace classes of ``sglang/srt/arg_groups/fields`` (newer releases)
    and every ``add_argument`` of ``sglang/srt/server_args.py`` (all releases; older ones declare
    every flag there, with ``default=ServerArgs.<field>``)."""
    main = "sglang/srt/server_args.py"
    if main not in files:
        raise SourceError(f"{main} is not in the package: this is not an SGLang wheel this generator knows")
    sources = Sources(files)
    groups: list[list[ParsedFlag]] = []
    for name, cls in sorted(sources.classes.items()):
        home = sources.class_home[name]
        if home.startswith("sglang/srt/arg_groups/fields/") and any(
            isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_NS_PATH" for t in item.targets)
            for item in cls.body
        ):
            groups.append(namespace_flags(sources, name))
    groups.append(argparse_flags(sources, main))
    flags = merge_flags(groups)
    if not flags:
        raise SourceError(f"no flag found in {main}")
    return flags


# Where ``vllm serve``'s frontend arguments live (it moved between releases).
VLLM_FRONTEND_FILES = (
    "vllm/entrypoints/common/cli_args.py",
    "vllm/entrypoints/launchers/cli_args.py",
    "vllm/entrypoints/openai/cli_args.py",
)


def vllm_flags(files: Mapping[str, str]) -> list[ParsedFlag]:
    """vLLM's engine flags: every ``add_argument`` of ``vllm/engine/arg_utils.py``, most of them
    ``**get_kwargs(SomeConfig)["field"]`` read from the ``vllm/config`` dataclasses."""
    main = "vllm/engine/arg_utils.py"
    if main not in files:
        raise SourceError(f"{main} is not in the package: this is not a vLLM wheel this generator knows")
    sources = Sources(files)
    groups = []
    for frontend in VLLM_FRONTEND_FILES:  # ``vllm serve``'s own flags (host, port...), before the engine's
        if frontend in files:
            groups.append(argparse_flags(sources, frontend))
            if "FrontendArgs" in sources.classes:
                groups.append(dataclass_flags(sources, "FrontendArgs"))
            break
    groups.append(argparse_flags(sources, main))
    flags = merge_flags(groups)
    if not flags:
        raise SourceError(f"no flag found in {main}")
    return flags


# Which files of a wheel each engine's reader needs.
WHEEL_SOURCES: dict[str, tuple[str, ...]] = {
    "sglang": ("sglang/srt/server_args.py", "sglang/srt/arg_groups/"),
    "vllm": ("vllm/engine/arg_utils.py", "vllm/config/", *VLLM_FRONTEND_FILES),
}
READERS = {"sglang": sglang_flags, "vllm": vllm_flags}


def wanted(runtime: str, member: str) -> bool:
    """Whether the wheel member ``member`` is a source the reader of ``runtime`` needs."""
    return member.endswith(".py") and any(
        member == p or (p.endswith("/") and member.startswith(p)) for p in WHEEL_SOURCES[runtime]
    )


def generated_catalog(
    runtime: str,
    version: str,
    flags: list[ParsedFlag],
    *,
    package: str,
    sha256: str,
    source: str,
) -> dict[str, Any]:
    """The JSON document written to ``runtimes/data/generated/<runtime>/<version>.json``."""
    return {
        "runtime": runtime,
        "version": version,
        "package": package,
        "sha256": sha256,
        "source": source,
        "generator": GENERATOR,
        "flags": [flag.to_dict() for flag in flags],
    }


def dump_catalog(document: Mapping[str, Any]) -> str:
    """Stable JSON text: one flag per line, so that a re-sync's diff shows what the engine changed."""
    import json

    head = {k: v for k, v in document.items() if k != "flags"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "flags": [')
    flags = document.get("flags", [])
    for index, flag in enumerate(flags):
        comma = "," if index + 1 < len(flags) else ""
        lines.append("    " + json.dumps(flag, ensure_ascii=False) + comma)
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


# llama.cpp: the text of ``llama-server --help``

_HELP_OPTION = re.compile(
    r"\s*(-{1,2}[A-Za-z0-9][\w.-]*)"
    r"(?: (\[[^\]]*\]|\{[^}]*\}|<[^>]*>|[A-Za-z0-9_.|]+(?:,[A-Za-z0-9_.]+)*(?:,\.\.\.)?))?"
    r"(\s*,)?"
)


def _help_options(line: str) -> tuple[list[tuple[str, str]], str]:
    """``-t,    --threads N   number of...`` -> ([("-t", ""), ("--threads", "N")], "number of...")."""
    options: list[tuple[str, str]] = []
    position = 0
    while True:
        match = _HELP_OPTION.match(line, position)
        if match is None:
            break
        options.append((match.group(1), match.group(2) or ""))
        position = match.end()
        if not match.group(3):
            break
    return options, line[position:].strip()


_HELP_DEFAULT = re.compile(r"(?:\(|,\s*)default:\s*([^()]*(?:\([^()]*\)[^()]*)*)\)")
_HELP_ALLOWED = re.compile(r"allowed values:\s*([^\n(]+)")


def _help_value(text: str) -> Any:
    text = text.strip().strip("'\"")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d*(?:e-?\d+)?|-?\d+e-?\d+", text):
        return float(text)
    return text


def llamacpp_flags(help_text: str) -> list[ParsedFlag]:
    """llama.cpp's flags from ``llama-server --help``: an entry starts at the first column with its
    option strings (``-t, --threads N``; ``-fa, --flash-attn [on|off|auto]``; ``-cb,
    --cont-batching, -nocb, --no-cont-batching``), its description follows after two spaces and
    goes on in indented lines. A long option without a value is a switch; its ``--no-`` form, in
    the same entry or its own, is the negative. ``N`` is an integer (a number when the default has
    a point), ``[a|b]``/``{a,b}`` and "allowed values: a, b" are choices, ``(default: x)`` the
    default (``enabled``/``disabled`` for a switch). Only long options are names and aliases: a
    catalog spells flags as ``--name``."""
    entries: list[tuple[list[tuple[str, str]], list[str]]] = []
    for line in help_text.splitlines():
        if not line.strip() or line.startswith("-----"):
            continue
        if line[0] == "-":
            options, rest = _help_options(line.rstrip())
            if options:
                entries.append((options, [rest]))
        elif line[0].isspace() and entries:
            entries[-1][1].append(line.strip())
    flags: list[ParsedFlag] = []
    for options, lines in entries:
        description = " ".join(part for part in lines if part)
        description = re.sub(r"\(env: [A-Z0-9_]+\)", "", description).strip()
        names: list[str] = []
        placeholder = ""
        for option, value in options:
            if option.startswith("--") and FLAG_NAME_RE.match(option[2:]):
                names.append(option[2:])
            placeholder = placeholder or value
        positives = [n for n in names if not n.startswith("no-")]
        negatives = [n for n in names if n.startswith("no-")]
        main = positives or negatives
        if not main:
            continue
        flag = ParsedFlag(name=main[0], aliases=[n for n in main[1:]], help=_clean_help(description))
        default_match = _HELP_DEFAULT.search(description)
        default_text = default_match.group(1).strip() if default_match else None
        if not placeholder:
            flag.type, flag.switch = "bool", True
            if positives and negatives:
                flag.negative = negatives[0]
            if default_text in ("enabled", "true", "on"):
                flag.default = True
            elif default_text in ("disabled", "false", "off"):
                flag.default = False
            else:
                flag.default = None
        else:
            options_match = re.fullmatch(r"[\[{]([^\]}]+)[\]}]", placeholder)
            allowed = _HELP_ALLOWED.search(description)
            if options_match and ("|" in options_match.group(1) or "," in options_match.group(1)):
                flag.choices = [c.strip() for c in re.split(r"[|,]", options_match.group(1)) if c.strip()]
            elif allowed:
                flag.choices = [c.strip() for c in allowed.group(1).split(",") if c.strip()]
            default = _help_value(default_text) if default_text is not None else None
            if flag.choices:
                flag.type = "string"
                flag.default = default if default in flag.choices else None
            elif placeholder == "N" or re.fullmatch(r"<-?\d+(?:\|-?\d+|\.\.\.-?\d+)*>", placeholder):
                if default_text is not None and isinstance(default, str):  # "4096, 0 = loaded from model"
                    default = _help_value(re.split(r"[,;]", default_text)[0])
                flag.type = "float" if isinstance(default, float) else "int"
                flag.default = default if isinstance(default, (int, float)) else None
            else:
                flag.type = "string"
                flag.default = default if isinstance(default, str) and default else None
        if _DEPRECATED_HELP.search(flag.help) or "deprecated" in flag.help.lower():
            flag.deprecated = True
            found = _REPLACEMENT.search(flag.help)
            flag.replaced_by = found.group(1) if found else None
        flags.append(flag)
        for negative in negatives:
            if negative != flag.name and flag.negative == negative:
                flags.append(ParsedFlag(name=negative, type="bool", switch=True, help=f"Turns --{flag.name} off."))
    by_name = {flag.name: flag for flag in flags}
    for flag in flags:  # ``--no-x`` in an entry of its own is the negative of the switch ``--x``
        positive = by_name.get(flag.name.removeprefix("no-")) if flag.name.startswith("no-") else None
        if positive is not None and positive.switch and positive.negative is None:
            positive.negative = flag.name
    merged = merge_flags([flags])
    if not merged:
        raise SourceError("llama-server --help lists no option this generator can read")
    return merged


def safe_version(reported: str) -> str:
    """``0.5.0-dev (build 1, commit 0c1e570)`` or ``0.5.0-dev (0c1e570)`` -> ``0.5.0-dev-0c1e570``:
    a version usable as a file name and in a URL's query without escaping."""
    text = re.sub(r"\s*\((?:[^()]*\bcommit\s+)?([0-9a-f]{6,})\)\s*", r"-\1", reported.strip())
    return re.sub(r"[^0-9A-Za-z.-]+", "-", text).strip("-") or "unknown"


def llamacpp_catalog(reported_version: str, help_text: str, *, program: str = "llama-server") -> dict[str, Any]:
    """The generated catalog document of the llama-server whose ``--version`` and ``--help`` these are."""
    import hashlib

    flags = llamacpp_flags(help_text)
    return generated_catalog(
        "llamacpp",
        safe_version(reported_version),
        flags,
        package=f"{program} (version: {reported_version})",
        sha256=hashlib.sha256(help_text.encode("utf-8")).hexdigest(),
        source=f"{program} --help",
    )
