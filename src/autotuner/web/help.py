"""Serving the built documentation site (``mkdocs build`` writes ``site/``) under ``/help``.

The site is static and self-contained (Material's assets, the search index and Mermaid are in it),
so it works offline. When it has not been built, ``/help`` says how to build it. A page the site
does not have is its own 404 page, not the web UI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

PREFIX = "/help"

NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>Autotuner documentation</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Autotuner documentation</h1>
<p>The documentation site has not been built in <code>{site_dir}</code>.</p>
<p>Build it with <code>./scripts/start_dev.sh</code> (builds it when missing) or
<code>autotuner docs build</code> (needs <code>pip install -e '.[docs]'</code>), then reload.</p>
<p>Meanwhile: <a href="/docs">the API documentation</a>.</p>
</body></html>"""


class _Site(StaticFiles):
    """The built site; a missing page answers the site's own 404 page."""

    async def get_response(self, path: str, scope: Any) -> Response:
        try:
            return await super().get_response(path, scope)
        except StarletteHTTPException as exc:
            page = Path(str(self.directory)) / "404.html"
            if exc.status_code == 404 and page.is_file():
                return FileResponse(page, status_code=404)
            raise


def mount_help(app: FastAPI, site_dir: Path) -> None:
    root = site_dir.resolve()

    @app.get(PREFIX, include_in_schema=False)
    def help_root() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    if (root / "index.html").is_file():
        app.mount(PREFIX, _Site(directory=root, html=True), name="help")
        return

    @app.get(PREFIX + "/{path:path}", include_in_schema=False)
    def help_not_built(path: str) -> HTMLResponse:
        return HTMLResponse(NOT_BUILT.format(site_dir=site_dir), status_code=404)
