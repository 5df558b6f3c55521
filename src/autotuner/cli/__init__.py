"""The ``autotuner`` command: one Typer app with a command group per resource."""
