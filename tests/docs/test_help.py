"""The built documentation site under /help: served offline by the service, its own 404 page for a
missing page, and a sentence saying how to build it when it is not built."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from support.accounts import LOOPBACK

from autotuner.core.settings import Settings
from autotuner.web.app import create_app


def _client(settings: Settings, help_dir: Path) -> TestClient:
    app = create_app(settings.model_copy(update={"help_dir": help_dir}), prepare_db=False)
    return TestClient(app, client=LOOPBACK)


def test_the_built_site_is_served_under_help(settings: Settings, tmp_path: Path):
    site = tmp_path / "site"
    (site / "tutorials").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Autotuner docs</h1>")
    (site / "404.html").write_text("<h1>No such page in the docs</h1>")
    (site / "tutorials" / "standin.html").write_text("<h1>Stand-in</h1>")
    client = _client(settings, site)

    moved = client.get("/help", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/help/"
    assert client.get("/help/").text == "<h1>Autotuner docs</h1>"
    assert client.get("/help/tutorials/standin.html").text == "<h1>Stand-in</h1>"
    missing = client.get("/help/tutorials/nothing.html")
    assert missing.status_code == 404 and "No such page in the docs" in missing.text
    # The API and its own docs are untouched.
    assert client.get("/openapi.json").status_code == 200


def test_an_unbuilt_site_says_how_to_build_it(settings: Settings, tmp_path: Path):
    client = _client(settings, tmp_path / "nothing-here")
    answer = client.get("/help/")
    assert answer.status_code == 404
    assert "autotuner docs build" in answer.text and str(tmp_path / "nothing-here") in answer.text
