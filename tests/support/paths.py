"""Where the repository's files are, for tests that start the stand-in engine or read examples."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TOY = str(EXAMPLES / "toy_engine.py")
