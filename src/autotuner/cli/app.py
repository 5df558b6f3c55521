"""The root of the ``autotuner`` command: ``--version``, the command groups, and the one way a
command fails.

Every command fails the same way: a domain error (:class:`~autotuner.core.errors.AutotunerError`,
raised by a service or by :func:`autotuner.cli.base.fail`) reaches :class:`Root`, which prints its
sentence to stderr and exits with status 1.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from autotuner import __version__
from autotuner.cli import catalog, db, docs, engines, models, presets, service, tasks, teams, tokens, tune, users
from autotuner.cli.base import TOKEN_HELP, Command, Group
from autotuner.cli.output import console, print_error
from autotuner.core.errors import AutotunerError


class Root(Group):
    """The root group: turns a domain error of any command into its sentence and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AutotunerError as exc:
            print_error(exc.message)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=Root,
    help="Autotuner for LLM inference engines: presets, tuning tasks and the web service.\n\n" + TOKEN_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def version_callback(value: bool) -> None:
    if value:
        console.print(f"autotuner {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool | None, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = None,
) -> None:
    """Autotuner for LLM inference engines."""


app.command("serve", cls=Command)(service.serve)
app.command("worker", cls=Command)(service.worker)
app.command("tune", cls=Command)(tune.tune)
app.command("openapi", cls=Command)(service.openapi)
app.add_typer(presets.app, name="presets")
app.add_typer(tasks.app, name="tasks")
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(teams.app, name="teams")
app.add_typer(tokens.app, name="tokens")
app.add_typer(engines.app, name="engines")
app.add_typer(catalog.app, name="catalog")
app.add_typer(models.app, name="models")
app.add_typer(docs.app, name="docs")


def main() -> None:
    app()
