"""Defaults of the one settings object."""

from __future__ import annotations

from support.paths import ROOT

from autotuner.core.settings import Settings


def test_the_default_ui_folder_is_the_checkouts_built_ui(monkeypatch):
    monkeypatch.delenv("AUTOTUNER_UI_DIR", raising=False)
    assert Settings().ui_dir == ROOT / "frontend" / "dist"
