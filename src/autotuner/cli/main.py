"""The console script's entry point (``[project.scripts] autotuner``); the command itself is
:mod:`autotuner.cli.app`."""

from __future__ import annotations

from autotuner.cli.app import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
