"""Build step setuptools cannot express in pyproject.toml: the wheel carries the built web UI.

``frontend/dist`` (made by ``npm run build``) is copied into the package as ``autotuner/web/ui_dist``,
where :func:`autotuner.core.settings._default_ui_dir` finds it in an installed wheel. Without a
built UI the wheel is still made (the API works; ``/`` says how to build the UI) and the build
says so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

UI_SOURCE = Path(__file__).resolve().parent / "frontend" / "dist"
UI_TARGET = ("autotuner", "web", "ui_dist")


class BuildWithUI(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install serves frontend/dist from the checkout
            return
        target = Path(self.build_lib, *UI_TARGET)
        if not (UI_SOURCE / "index.html").is_file():
            self.announce(f"warning: no built UI in {UI_SOURCE}: the wheel serves the API only", level=3)
            return
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(UI_SOURCE, target)


setup(cmdclass={"build_py": BuildWithUI})
