"""Serving the built web UI (``frontend/dist``): any GET that no API route answers gets the app
(``index.html``), so deep links such as ``/presets`` load it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>Autotuner</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Autotuner</h1>
<p>The API is running, but the web UI has not been built in <code>{ui_dir}</code>.</p>
<p>Build it with <code>./scripts/start_dev.sh</code> (builds it when missing) or
<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, then reload.</p>
<p>Meanwhile: <a href="/docs">the API documentation</a>.</p>
</body></html>"""


def mount_ui(app: FastAPI, ui_dir: Path) -> None:
    root = ui_dir.resolve()
    index = root / "index.html"
    if (root / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=root / "assets"), name="assets")

    def spa_fallback(path: str) -> Response:
        """Called by the 404 handler for GETs outside /api."""
        if not index.is_file():
            return HTMLResponse(NOT_BUILT.format(ui_dir=ui_dir))
        candidate = (root / path.lstrip("/")).resolve()
        if candidate != root and candidate.is_file() and candidate.is_relative_to(root):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.state.spa_fallback = spa_fallback
