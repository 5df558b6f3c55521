"""Strict requests: an unknown or misspelled field at any level of any request body is a 422
naming its dotted path and, when one is close, the field meant.

The cases are generated from the OpenAPI schema's request bodies: every object the schema
declares closed (``additionalProperties: false``), reached through properties, anyOf and array
items; a new request model, or a new nested object, is covered without editing this file.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import LOOPBACK
from support.factories import assert_error, create_preset

from autotuner.core.settings import Settings
from autotuner.web.app import create_app

_tmp = Path(tempfile.mkdtemp(prefix="autotuner-strict-"))
app = create_app(
    Settings(
        data_dir=_tmp,
        database_url=f"sqlite:///{_tmp / 'autotuner.db'}",
        ui_dir=_tmp / "no-ui",
        embedded_worker=False,
        allowed_hosts=["testserver"],
    )
)
SCHEMA = app.openapi()
# Objects whose keys are the user's own (free-form metadata, parameter spaces): never closed.
OPEN_OBJECTS = {"PresetMetadata"}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _options(schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema)
    if "anyOf" in schema and "properties" not in schema:
        return [o for option in schema["anyOf"] for o in _options(option)]
    return [schema]


def _closed(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "object" and schema.get("additionalProperties") is False


def _minimal(schema: dict[str, Any]) -> Any:
    """The smallest value the schema accepts (enough to get past every other check)."""
    options = [o for o in _options(schema) if o.get("type") != "null"]
    schema = options[0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        return "abcdefghijkl"[: schema.get("maxLength", 12)].ljust(schema.get("minLength", 1), "x")
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [_minimal(schema["items"])] * schema.get("minItems", 0)
    if kind == "object" and "properties" in schema:
        return {key: _minimal(schema["properties"][key]) for key in schema.get("required", [])}
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):  # a parameter space
        return {"tp-size": [1]}
    return {}


def _closed_objects(schema: dict[str, Any], path: tuple[str | int, ...] = ()):
    """(path, schema) of every closed object reachable from ``schema``."""
    for option in _options(schema):
        if option.get("type") == "array":
            yield from _closed_objects(option["items"], (*path, 0))
        elif _closed(option):
            yield path, option
            for key, sub in option["properties"].items():
                yield from _closed_objects(sub, (*path, key))


def _body_with(root: dict[str, Any], path: tuple[str | int, ...]) -> tuple[Any, dict[str, Any]]:
    """A minimal body holding the object at ``path`` (with its own required fields), and that object."""
    if path and isinstance(path[0], str):  # several bodies (an import: one preset or a bundle): the one with it
        root = next(o for o in _options(root) if path[0] in o.get("properties", {}))
    body = _minimal(root)
    node, schema = body, root
    for index, step in enumerate(path):
        if isinstance(step, int):
            schema = next(o for o in _options(schema) if o.get("type") == "array")["items"]
        else:
            closed = next(o for o in _options(schema) if _closed(o))
            schema = closed["properties"][step]
        # What the next step walks into: a list when it is an index (a one-or-several field), else an object.
        wants_list = index + 1 < len(path) and isinstance(path[index + 1], int)
        target = next(
            o for o in _options(schema) if (o.get("type") == "array") == wants_list and (wants_list or _closed(o))
        )
        if isinstance(step, int):
            while len(node) <= step:
                node.append(_minimal(target))
        elif step not in node or not isinstance(node[step], (dict, list)):
            node[step] = _minimal(target) if target.get("type") != "array" else []
        node = node[step]
    return body, node


def _misspelled(name: str) -> str:
    cut = len(name) // 2
    return name[:cut] + name[cut + 1 :]


def _cases() -> list[pytest.param]:
    cases = []
    for url, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            root = content["application/json"]["schema"]
            seen = set()
            for path, closed in _closed_objects(root):
                named = [key for key in closed["properties"] if len(key) >= 5]
                dotted = ".".join(str(p) for p in path)
                marker = (dotted, tuple(closed["properties"]))
                if marker in seen:
                    continue
                seen.add(marker)
                for key, meant in [("zz_not_a_field", None), *[(_misspelled(k), k) for k in named[:1]]]:
                    name = f"{method.upper()} {url} {dotted or '(body)'} {key}"
                    cases.append(pytest.param(method, url, root, path, key, meant, id=name))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def client():
    with TestClient(app, headers={"X-Autotuner-CSRF": "1"}, client=LOOPBACK) as test_client:
        yield test_client
    app.state.engine.dispose()


def test_every_request_object_is_closed_or_known_to_be_free_form():
    """Each object a request body holds says whether it takes other keys: closed, or free-form
    on purpose (metadata, parameter spaces keyed by flag names)."""
    open_ones = []
    for item in SCHEMA["paths"].values():
        for operation in item.values():
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                stack = [media["schema"]]
                while stack:
                    schema = stack.pop()
                    title = schema.get("$ref", "").rsplit("/", 1)[-1]
                    schema = _resolve(schema)
                    stack.extend(schema.get("anyOf", []))
                    if schema.get("type") == "array":
                        stack.append(schema["items"])
                    if schema.get("type") == "object" and "properties" in schema:
                        multipart = schema["properties"].get("file", {}).get("format") == "binary"
                        if (
                            schema.get("additionalProperties") is not False
                            and title not in OPEN_OBJECTS
                            and not multipart
                        ):
                            open_ones.append(title or str(schema)[:80])
                        stack.extend(schema["properties"].values())
    assert open_ones == []
    assert len(CASES) >= 40  # every body, nested objects included (tasks alone hold 7)


@pytest.mark.parametrize(("method", "url", "root", "path", "key", "meant"), CASES)
def test_an_unknown_field_is_refused_naming_its_path_and_the_field_meant(client, method, url, root, path, key, meant):
    body, node = _body_with(root, path)
    node[key] = 1
    target = url
    for name, value in {"preset_id": "balanced", "task_id": "1", "experiment_id": "1", "number": "1"}.items():
        target = target.replace("{" + name + "}", value)
    target = target.replace("{user_ref}", "nobody").replace("{team_ref}", "nobody")
    response = client.request(method.upper(), target, json=copy.deepcopy(body))
    detail = assert_error(response, 422)["detail"]
    field = ".".join(str(p) for p in (*path, key))
    assert f"nknown field '{field}'" in detail, detail
    if meant is not None:
        assert detail.endswith(f"did you mean '{meant}'?"), detail
    else:
        assert "did you mean" not in detail and "the fields are" in detail, detail


def test_the_sentence_of_the_issue(client):
    body = {
        "task_name": "t",
        "model": {"id_or_path": "m"},
        "parameters": {"tp-size": [1]},
        "benchmark": {"num_concurrency": [16], "max_requests_per_iteration": 64},
    }
    response = client.post("/api/tasks/", json=body)
    body_error = assert_error(response, 422, "Unknown field 'benchmark.num_concurrency': did you mean 'concurrency'?")
    assert body_error["errors"][0]["loc"] == ["body", "benchmark", "num_concurrency"]
    assert [t["task_name"] for t in client.get("/api/tasks/").json()] == []


def test_parameter_maps_take_any_flag_name(client):
    """Keys of a parameter space are the user's flag names, not fields: never refused as unknown."""
    preset = create_preset(client, "Free flags", parameters={"some-new-flag": [1], "group": {"x_y": [True]}})
    assert preset["parameters"] == {"some-new-flag": [1], "group": {"x_y": [True]}}
    merged = client.post(
        "/api/presets/merge", json={"preset_ids": [preset["id"]], "overrides": {"another-flag": ["a"]}}
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["parameters"]["another-flag"] == ["a"]
    metadata = {"tags": ["x"], "my_own_key": "kept"}
    updated = client.put(f"/api/presets/{preset['id']}", json={"metadata": metadata})
    assert updated.status_code == 200 and updated.json()["metadata"] == metadata


def test_the_router_words_the_preset_reference_skips_are_its_own_top_level_routes():
    from autotuner.web.routes import presets as routes

    top = {
        route.path.removeprefix(routes.router.prefix).strip("/")
        for route in (*routes.router.routes, *routes.reads.routes)
        if route.path.count("/") == routes.router.prefix.count("/") + 1 and "{" not in route.path
    } - {""}
    assert set(routes.TOP_LEVEL_WORDS) == top == {"merge", "import", "suggest"}
    assert {"merge", "import", "export", "versions", "diff", "restore", "sharing", "duplicate"} <= routes.route_words()


@pytest.mark.parametrize("name", ["merge", "Import", "export", "versions"])
def test_a_preset_named_like_a_route_word_gets_another_slug_and_stays_reachable(client, name):
    preset = create_preset(client, name)
    assert preset["slug"] == f"preset-{name.lower()}"
    assert client.get(f"/api/presets/{preset['slug']}").json()["id"] == preset["id"]
    exported = client.get(f"/api/presets/{preset['slug']}/export")
    assert exported.status_code == 200 and exported.json()["preset"]["name"] == name
    assert client.delete(f"/api/presets/{preset['slug']}").status_code == 204


def test_the_cli_reading_files_through_the_same_models_says_the_same(cli_env, tmp_path):
    import json

    from support.cli import run

    task = tmp_path / "task.json"
    task.write_text(
        json.dumps({"task_name": "t", "model": {"id_or_path": "m"}, "benchmark": {"num_concurrency": [16]}})
    )
    result = run("tune", "--dry-run", str(task), ok=False)
    assert f"{task}: Unknown field 'benchmark.num_concurrency': did you mean 'concurrency'?" in result.output
    preset = tmp_path / "preset.json"
    preset.write_text(json.dumps({"version": "1.0", "preset": {"name": "X", "paramters": {"a": [1]}}}))
    result = run("presets", "import", str(preset), ok=False)
    assert "unknown field 'preset.paramters': did you mean 'parameters'?" in result.output
