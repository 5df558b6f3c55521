"""The framework's floor for bench_presets.py: a bare FastAPI app serving one stored JSON object
(the body the real service gave for the same request), run by Uvicorn as ``autotuner serve`` runs
the real app (one process, ``log_level="info"``). No database, no middleware, no validation.

Run: ``python benchmarks/floor_app.py PORT BODY_FILE``; it serves ``GET /object``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI


def create(stored: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/object")
    async def read_object() -> Any:
        return stored

    return app


if __name__ == "__main__":
    port, body_file = int(sys.argv[1]), Path(sys.argv[2])
    uvicorn.run(create(json.loads(body_file.read_text())), host="127.0.0.1", port=port, log_level="info")
