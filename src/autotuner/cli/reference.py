"""The documentation site's reference pages, generated from the code at every build.

Each ``*_page()`` function returns one Markdown page made from the running code, never from a
copy: the REST API from the app's OpenAPI schema, the CLI from the Typer app's Click command tree,
the engine catalogs through :mod:`autotuner.runtimes.loading`, the settings from
:class:`~autotuner.core.settings.Settings` (and every other ``AUTOTUNER_*`` variable the package
reads), and the database schema from the SQLAlchemy models. ``scripts/mkdocs_hooks.py`` adds them
to the site (``mkdocs build``); :func:`reference_pages` lists them.

The catalog page reads the catalogs defensively, through whatever public functions the loading
module offers (one catalog per runtime today; several versions per runtime when a
``list_versions``-style function exists), so a restructure of the catalogs keeps the page whole.
"""

from __future__ import annotations

import ast
import html
import inspect
import json
import re
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any

import typer

# --- Markdown helpers ------------------------------------------------------------------------


def cell(value: Any) -> str:
    """``value`` as the text of one table cell: one line, pipes escaped."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text.replace("|", "\\|")


def code(value: Any) -> str:
    """``value`` as inline code in a table cell (empty for None)."""
    if value is None or value == "":
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    if "|" in text or "`" in text:
        # A pipe would end the table cell, and an escaped one shows its backslash inside a code span.
        return "<code>" + html.escape(text).replace("|", "&#124;").replace("`", "&#96;") + "</code>"
    return f"`{text}`"


def table(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def anchor(text: str) -> str:
    """The id Python-Markdown's toc extension gives a heading of ``text`` (its default slugify)."""
    slug = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", slug)


GENERATED = (
    '!!! info "Generated from the code"\n'
    "    This page is written by `{source}` at every build of the site: it cannot drift from the "
    "product.\n\n"
)


def banner(source: str) -> str:
    return GENERATED.format(source=source)


# --- the REST API ----------------------------------------------------------------------------


def openapi_schema() -> dict[str, Any]:
    """The service's OpenAPI schema (the app made without a database, as `autotuner openapi`)."""
    from autotuner.core.settings import Settings
    from autotuner.web.app import create_app

    return create_app(Settings(), prepare_db=False).openapi()


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def schema_type(schema: dict[str, Any] | None) -> str:
    """A short Markdown rendering of a JSON schema's type, linking named schemas."""
    if not schema:
        return "any"
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f"[{name}](#{anchor(name)})"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = [schema_type(option) for option in schema[key]]
            return " or ".join(dict.fromkeys(parts))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return schema_type(schema["allOf"][0])
    if "enum" in schema:
        return "one of " + ", ".join(code(value) for value in schema["enum"])
    if "const" in schema:
        return code(schema["const"])
    kind = schema.get("type")
    if kind == "array":
        return f"array of {schema_type(schema.get('items'))}"
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return f"object of {schema_type(extra)}"
        return "object"
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind:
        fmt = schema.get("format")
        return f"{kind} ({fmt})" if fmt else str(kind)
    return "any"


def _limits(schema: dict[str, Any]) -> str:
    words = {
        "minimum": ">=",
        "exclusiveMinimum": ">",
        "maximum": "<=",
        "exclusiveMaximum": "<",
        "minLength": "length >=",
        "maxLength": "length <=",
        "minItems": "items >=",
        "maxItems": "items <=",
        "pattern": "matches",
    }
    found = [f"{word} {code(schema[key])}" for key, word in words.items() if key in schema]
    for option in schema.get("anyOf", []):
        found += [f"{word} {code(option[key])}" for key, word in words.items() if key in option]
    return ", ".join(found)


def _schema_section(name: str, schema: dict[str, Any]) -> list[str]:
    out = [f"### {name}", ""]
    if schema.get("description"):
        out += [schema["description"].strip(), ""]
    properties = schema.get("properties")
    if properties:
        required = set(schema.get("required", []))
        rows = []
        for prop, spec in properties.items():
            default = code(spec["default"]) if "default" in spec else ""
            note = cell(spec.get("description") or spec.get("title") if spec.get("description") else "")
            limits = _limits(spec)
            rows.append(
                [
                    code(prop),
                    schema_type(spec),
                    "yes" if prop in required else "",
                    default,
                    "; ".join(part for part in (note, limits) if part),
                ]
            )
        out += [table(["field", "type", "required", "default", "notes"], rows), ""]
    elif "enum" in schema:
        out += ["One of " + ", ".join(code(value) for value in schema["enum"]) + ".", ""]
    else:
        out += [f"Type: {schema_type(schema)}.", ""]
    return out


def api_page(schema: dict[str, Any] | None = None) -> str:
    """Every endpoint of the REST API (grouped by tag) and every schema, from the OpenAPI schema."""
    schema = schema or openapi_schema()
    info = schema.get("info", {})
    out = [
        "# REST API reference",
        "",
        banner("autotuner.cli.reference.api_page (from the service's OpenAPI schema)"),
        f"{info.get('title', 'Autotuner')} {info.get('version', '')}, OpenAPI {schema.get('openapi', '')}. "
        "A running service also serves this schema at `/openapi.json`, with Swagger UI at `/docs` and "
        "ReDoc at `/redoc` (both offline). The schema of this build: [openapi.json](openapi.json).",
        "",
        'Every error answers `{"detail": "<one sentence>"}`; every change must come as JSON '
        "(`Content-Type: application/json`), with the `X-Autotuner-CSRF` header (file uploads) or an "
        "`Authorization: Bearer <token>` header.",
        "",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append((method.upper(), path, operation))
    out += ["## Endpoints", ""]
    summary_rows = []
    for tag in sorted(by_tag):
        for method, path, operation in by_tag[tag]:
            title = f"{method} {path}"
            summary_rows.append([f"[{code(title)}](#{anchor(title)})", cell(operation.get("summary", ""))])
    out += [table(["endpoint", "what it does"], summary_rows), ""]
    for tag in sorted(by_tag):
        out += [f"## {tag.capitalize()}", ""]
        for method, path, operation in by_tag[tag]:
            out += [f"### {method} {path}", ""]
            if operation.get("summary"):
                out += [f"**{operation['summary']}**", ""]
            if operation.get("description"):
                out += [operation["description"].strip(), ""]
            params = operation.get("parameters", [])
            if params:
                rows = [
                    [
                        code(p.get("name")),
                        p.get("in", ""),
                        schema_type(p.get("schema")),
                        "yes" if p.get("required") else "",
                        cell(p.get("description", "")),
                    ]
                    for p in params
                ]
                out += [table(["parameter", "in", "type", "required", "notes"], rows), ""]
            body = operation.get("requestBody")
            if body:
                for media, content in body.get("content", {}).items():
                    out += [f"Request body ({code(media)}): {schema_type(content.get('schema'))}", ""]
            responses = operation.get("responses", {})
            if responses:
                rows = []
                for status, response in responses.items():
                    content = response.get("content", {})
                    kinds = [schema_type(c.get("schema")) for c in content.values()]
                    rows.append([code(status), cell(response.get("description", "")), ", ".join(kinds)])
                out += [table(["status", "meaning", "body"], rows), ""]
    components = schema.get("components", {}).get("schemas", {})
    if components:
        out += ["## Schemas", ""]
        for name in sorted(components):
            out += _schema_section(name, components[name])
    return "\n".join(out) + "\n"


# --- the CLI ---------------------------------------------------------------------------------
# Read by duck typing: Typer vendors its own copy of Click (``typer._click``), so ``isinstance``
# against the ``click`` package would not match.


def _is_group(command: Any) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    yield path, command
    if _is_group(command):
        for name in sorted(command.commands):
            yield from _walk(command.commands[name], [*path, name])


def _context(command: Any, name: str) -> Any:
    return command.context_class(command, info_name=name)


def _choices(param: Any) -> list[str]:
    """The values an option or argument accepts when it is a choice (Click's or an Enum's)."""
    kind = getattr(param, "type", None)
    choices = getattr(kind, "choices", None)
    if choices:
        return [str(c) for c in choices]
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    return []


def _param_row(param: Any) -> list[str]:
    help_text = cell(getattr(param, "help", "") or "")
    choices = _choices(param)
    if choices:
        help_text = (help_text + " One of " + ", ".join(code(c) for c in choices) + ".").strip()
    name = getattr(param, "name", None) or "value"
    if _is_option(param):
        opts = [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
        names = ", ".join(code(opt) for opt in opts)
        is_flag = bool(getattr(param, "is_flag", False))
        metavar = "" if is_flag else (getattr(param, "metavar", None) or name.upper())
        default = getattr(param, "default", None)
        if callable(default) or (is_flag and default is False) or default in (None, ()):
            shown = ""
        else:
            shown = code(list(default) if isinstance(default, tuple) else default)
        envvar = getattr(param, "envvar", None)
        envvar_text = envvar if isinstance(envvar, str) else ", ".join(envvar or [])
        return [names, code(metavar), shown, code(envvar_text), help_text]
    metavar = getattr(param, "metavar", None) or name.upper()
    required = "required" if getattr(param, "required", False) else "optional"
    return [code(metavar), "argument", "", "", f"{help_text} ({required} argument)".strip()]


def _first_paragraph(text: str | None) -> str:
    return cell(inspect.cleandoc(text or "").split("\n\n")[0])


def cli_page(app: typer.Typer | None = None) -> str:
    """Every command and option of the ``autotuner`` command, from its Click command tree."""
    if app is None:
        from autotuner.cli.app import app as root_app

        app = root_app
    root = typer.main.get_command(app)
    out = [
        "# CLI reference",
        "",
        banner("autotuner.cli.reference.cli_page (from the Typer app's command tree)"),
        "The `autotuner` command is installed in the virtual environment (`.venv/bin/autotuner`). "
        "Every command prints the same sentence as the API when it fails and exits with status 1; "
        "`--help` after any command prints its help.",
        "",
    ]
    entries = [(path, cmd) for path, cmd in _walk(root, ["autotuner"]) if not getattr(cmd, "hidden", False)]
    rows = [
        [f"[{code(' '.join(path))}](#{anchor(' '.join(path))})", _first_paragraph(cmd.help)]
        for path, cmd in entries
        if not _is_group(cmd)
    ]
    out += [table(["command", "what it does"], rows), ""]
    for path, command in entries:
        name = " ".join(path)
        depth = len(path)
        level = "##" if depth <= 2 else "###"
        out += [f"{level} {name}", ""]
        ctx = _context(command, name)
        pieces = command.collect_usage_pieces(ctx)
        out += ["```text", " ".join([name, *pieces]), "```", ""]
        if command.help:
            out += [inspect.cleandoc(command.help).replace("\b\n", ""), ""]
        params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
        if params:
            rows = [_param_row(param) for param in params]
            out += [table(["option", "value", "default", "environment", "what it does"], rows), ""]
        if _is_group(command) and depth > 1:
            subs = ", ".join(f"[{code(sub)}](#{anchor(name + ' ' + sub)})" for sub in sorted(command.commands))
            out += [f"Commands: {subs}.", ""]
    return "\n".join(out) + "\n"


# --- the engine catalogs ---------------------------------------------------------------------


def _as_dict(catalog: Any) -> dict[str, Any]:
    if isinstance(catalog, dict):
        return catalog
    to_dict = getattr(catalog, "to_dict", None)
    if callable(to_dict):
        try:
            return dict(to_dict(with_flags=True))
        except TypeError:
            return dict(to_dict())
    return {key: value for key, value in vars(catalog).items() if not key.startswith("_")}


def _flag_dict(flag: Any) -> dict[str, Any]:
    if isinstance(flag, dict):
        return flag
    data = _as_dict(flag)
    allowed = getattr(flag, "allowed", None)
    if callable(allowed) and "allowed" not in data:
        data["allowed"] = allowed()
    return data


def _versions_of(loading: Any, runtime: str) -> list[Any]:
    """The catalog versions of ``runtime`` the loading module lists, or ``[None]`` (one catalog)."""
    for name in ("list_versions", "catalog_versions", "available_versions", "versions", "list_catalog_versions"):
        function = getattr(loading, name, None)
        if callable(function):
            try:
                found = list(function(runtime))
            except Exception:
                continue
            if found:
                return found
    return [None]


def _catalog_for(loading: Any, runtime: str, version: Any) -> Any:
    if version is None:
        return loading.get_catalog(runtime)
    if not isinstance(version, str):  # a catalog object, or a record naming its version
        if hasattr(version, "flags"):
            return version
        version = getattr(version, "version", None) or getattr(version, "release", None) or str(version)
    get_catalog: Callable[..., Any] = loading.get_catalog
    for args, kwargs in (((runtime, version), {}), ((runtime,), {"version": version})):
        try:
            return get_catalog(*args, **kwargs)
        except TypeError:
            continue
    return loading.get_catalog(runtime)


def catalogs() -> list[tuple[str, list[dict[str, Any]]]]:
    """``[(runtime, [catalog as a dict, one per version])]`` for every runtime with a catalog."""
    from autotuner.runtimes import loading

    runtimes = getattr(loading, "RUNTIMES", None)
    if not runtimes:
        runtimes = [c.runtime for c in loading.list_runtimes()]
    out = []
    for runtime in runtimes:
        seen: set[str] = set()
        entries = []
        for version in _versions_of(loading, runtime):
            data = _as_dict(_catalog_for(loading, runtime, version))
            key = str(data.get("version") or data.get("release") or version)
            if key in seen:
                continue
            seen.add(key)
            entries.append(data)
        out.append((runtime, entries))
    return out


def _flag_rows(flags: Iterable[Any]) -> Iterator[list[str]]:
    for raw in flags:
        flag = _flag_dict(raw)
        names = code(flag.get("name"))
        aliases = flag.get("aliases") or []
        if aliases:
            names += " (" + ", ".join(code(a) for a in aliases) + ")"
        default = flag.get("default")
        default_text = code(default) if default is not None else "engine decides"
        description = cell(flag.get("description") or flag.get("help") or "")
        if flag.get("gpus_factor"):
            description += " Multiplies into the GPU count."
        yield [names, code(flag.get("type")), cell(flag.get("allowed") or ""), default_text, description]


def catalog_page(runtime: str, entries: list[dict[str, Any]]) -> str:
    first = entries[0] if entries else {}
    title = first.get("display_name") or runtime
    out = [
        f"# {title} catalog",
        "",
        banner(f"autotuner.cli.reference.catalog_page (from autotuner.runtimes.loading, runtime '{runtime}')"),
        f"The flags of `{runtime}` the autotuner checks a parameter space against: a wrong type or a "
        "value out of range is refused (422) naming the flag; a flag the catalog does not know is a "
        "warning. The same data is served by `GET /api/runtimes/{runtime}/parameters`.",
        "",
    ]
    for data in entries:
        release = data.get("version") or data.get("release") or ""
        flags = data.get("flags") or []
        heading = f"{data.get('display_name') or runtime} {release}".strip()
        out += [f"## {heading}", ""]
        facts = []
        if data.get("source"):
            facts.append(f"Source: {cell(data['source'])}.")
        if data.get("bool_style"):
            style = data["bool_style"]
            facts.append(
                f"Booleans: `{style}` ("
                + ("`--flag` for true, nothing for false" if style == "store_true" else "`--flag` / `--no-flag`")
                + ")."
            )
        facts.append(f"{len(flags)} flags.")
        out += [" ".join(facts), ""]
        if flags:
            out += [table(["flag", "type", "allowed", "default", "what it does"], _flag_rows(flags)), ""]
        rules = data.get("rules") or []
        if rules:
            out += ["### Rules over combinations", ""]
            rows = []
            for raw in rules:
                rule = raw if isinstance(raw, dict) else _as_dict(raw)
                rows.append(
                    [
                        code(rule.get("id")),
                        cell(rule.get("severity", "error")),
                        cell(rule.get("description", "")),
                        code(rule.get("expression")),
                    ]
                )
            out += [table(["rule", "severity", "meaning", "expression"], rows), ""]
    return "\n".join(out) + "\n"


def catalogs_index(found: list[tuple[str, list[dict[str, Any]]]]) -> str:
    out = [
        "# Engine catalogs",
        "",
        banner("autotuner.cli.reference.catalogs_index (from autotuner.runtimes.loading)"),
        "One page per engine: every flag with its type, range or choices and default, and the rules "
        "over combinations (see [the design](../../PRESET_SYSTEM_DESIGN.md#runtimes-and-catalogs)).",
        "",
    ]
    rows = []
    for runtime, entries in found:
        versions = ", ".join(str(e.get("version") or e.get("release") or "") for e in entries)
        counts = ", ".join(str(len(e.get("flags") or [])) for e in entries)
        name = entries[0].get("display_name") if entries else runtime
        rows.append([f"[{cell(name or runtime)}]({runtime}.md)", code(runtime), cell(versions), counts])
    out += [table(["engine", "runtime", "versions", "flags"], rows), ""]
    return "\n".join(out) + "\n"


# --- settings and environment variables ------------------------------------------------------


def _field_comments(cls: type) -> dict[str, str]:
    """The comment lines just above each field of ``cls`` in its source."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    comments: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            above: list[str] = []
            index = node.lineno - 2
            while index >= 0 and lines[index].strip().startswith("#"):
                above.insert(0, lines[index].strip().lstrip("#").strip())
                index -= 1
            if above:
                comments[node.target.id] = " ".join(above)
    return comments


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    text = text or str(annotation).replace("typing.", "")
    text = re.sub(r"Annotated\[(.*?), .*\]$", r"\1", text)
    return text.replace("pathlib.", "").replace("NoneType", "None")


def other_environment_variables(package: Path | None = None) -> dict[str, list[str]]:
    """``AUTOTUNER_*`` names the package's source reads besides the settings: name -> modules."""
    package = package or Path(__file__).resolve().parents[1]
    found: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        module = "autotuner." + ".".join(path.relative_to(package).with_suffix("").parts)
        for name in re.findall(r"[\"'](AUTOTUNER_[A-Z0-9_]+)[\"']", text):
            found.setdefault(name, [])
            if module not in found[name]:
                found[name].append(module)
    return found


def settings_page() -> str:
    from autotuner.core.settings import Settings

    prefix = str(Settings.model_config.get("env_prefix", ""))
    comments = _field_comments(Settings)
    out = [
        "# Settings and environment variables",
        "",
        banner("autotuner.cli.reference.settings_page (from autotuner.core.settings.Settings)"),
        "The service, the worker and the CLI read one settings object from environment variables "
        f"prefixed `{prefix}` (a `.env` file is not read). Lists are comma-separated.",
        "",
    ]
    rows = []
    names = set()
    for name, field in Settings.model_fields.items():
        env = prefix + name.upper()
        names.add(env)
        if field.default_factory is not None:
            factory = field.default_factory
            doc = (inspect.getdoc(factory) or "").split("\n")[0]
            default = cell(doc) if doc else code(f"{getattr(factory, '__name__', 'computed')}()")
            if getattr(factory, "__name__", "") in {"list", "dict"}:
                default = "empty"
        else:
            default = code(field.default) if field.default is not None else "unset"
        what = cell(field.description or comments.get(name, ""))
        rows.append([code(env), code(_type_name(field.annotation)), default, what])
    out += [table(["variable", "type", "default", "what it does"], rows), ""]
    others = {k: v for k, v in other_environment_variables().items() if k not in names and k != prefix}
    if others:
        out += [
            "## Other variables",
            "",
            "Read directly by the modules named (found in the package's source at build time); the "
            "[CLI reference](cli.md) says which options take a variable.",
            "",
            table(
                ["variable", "read by"], ([code(k), ", ".join(code(m) for m in v)] for k, v in sorted(others.items()))
            ),
            "",
        ]
    return "\n".join(out) + "\n"


# --- the database schema ---------------------------------------------------------------------


def _mermaid_type(column: Any) -> str:
    try:
        text = str(column.type.compile()).split("(")[0]
    except Exception:
        text = type(column.type).__name__
    return re.sub(r"[^A-Za-z0-9_]", "_", text.lower()) or "value"


def schema_mermaid() -> str:
    """The database schema as a Mermaid ``erDiagram``, from the SQLAlchemy models' metadata."""
    from autotuner.db import models  # noqa: F401  (registers every table on the metadata)
    from autotuner.db.base import Base

    lines = ["erDiagram"]
    tables = sorted(Base.metadata.tables.values(), key=lambda t: t.name)
    for table_ in tables:
        lines.append(f"    {table_.name} {{")
        for column in table_.columns:
            keys = []
            if column.primary_key:
                keys.append("PK")
            if column.foreign_keys:
                keys.append("FK")
            key_text = (" " + ",".join(keys)) if keys else ""
            lines.append(f"        {_mermaid_type(column)} {column.name}{key_text}")
        lines.append("    }")
    for table_ in tables:
        for fk in sorted(table_.foreign_key_constraints, key=lambda c: str(c.name or "")):
            target = fk.referred_table.name
            columns = ", ".join(c.name for c in fk.columns)
            nullable = all(c.nullable for c in fk.columns)
            unique = any(
                getattr(c, "unique", False) or (c.primary_key and len(table_.primary_key.columns) == 1)
                for c in fk.columns
            )
            left = "|o" if nullable else "||"
            right = "o|" if unique else "o{"
            lines.append(f'    {target} {left}--{right} {table_.name} : "{columns}"')
    return "\n".join(lines)


def schema_block() -> str:
    return "```mermaid\n" + schema_mermaid() + "\n```\n"


# --- the pages -------------------------------------------------------------------------------


def reference_pages() -> dict[str, Callable[[], str]]:
    """``{path in the site: function making the page}`` for every generated reference page."""
    pages: dict[str, Callable[[], str]] = {
        "reference/api.md": api_page,
        "reference/cli.md": cli_page,
        "reference/settings.md": settings_page,
    }
    found = catalogs()
    pages["reference/catalogs/index.md"] = lambda: catalogs_index(found)
    for runtime, entries in found:
        pages[f"reference/catalogs/{runtime}.md"] = partial(catalog_page, runtime, entries)
    return pages
