"""What every command group shares: command classes whose ``--help`` reads as words, the one
error every command raises (:class:`CommandFailed`, through :func:`fail`), the ``--json`` option
and the database session.

Typer prints a type for every option (``--version <bool>``, ``--param <list[str]>``) and writes
required arguments as ``{refs}...``. :class:`Command` and :class:`Group` give every option a
metavar in words (``NAME=VALUES``, ``PRESET...``), none to flags, and print arguments the way
Unix usage lines do (``PRESET...``, ``[FILE]``). Every command is declared with ``cls=Command``
and every group is made by :func:`new_group`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from autotuner.core.actors import Actor
from autotuner.core.errors import AutotunerError
from autotuner.core.sentences import validation_sentence
from autotuner.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

M = TypeVar("M", bound=BaseModel)

# The CLI runs on the service's machine with access to its database: it acts as the operator, who
# may run the command runtime (the stand-in engine) whatever the service allows its clients, unless
# a token says who it is (see acting_actor).
OPERATOR = Actor.operator(allow_command_runtime=True, remote_addr="cli")
TOKEN_HELP = (
    "Commands act as the operator of this machine (an admin), unless AUTOTUNER_TOKEN or the file "
    "$XDG_CONFIG_HOME/autotuner/token (~/.config/autotuner/token) holds an API token: then they act as "
    "that token's user, with the same rights as in the web service."
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


class CommandFailed(AutotunerError):
    """A command cannot do what was asked; its message is the sentence printed to stderr."""


def fail(message: str) -> NoReturn:
    """Stop the command: the root prints ``message`` to stderr and exits with status 1."""
    raise CommandFailed(message)


def validated(model: type[M], data: Any, *, about: str = "") -> M:
    """``data`` as a ``model`` (a request schema), or fail with the API's sentence (after
    ``about``, e.g. the file it came from)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [dict(error) for error in exc.errors()]
        fail(about + validation_sentence(errors))


# --- help in words -------------------------------------------------------------------------


class _WordArgument(TyperArgument):
    """An argument shown by its metavar alone: no ``<list[str]>`` beside it, no braces around it."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.metavar or self.name or ""
        return [name if self.required else f"[{name}]"]


def _in_words(param: Any) -> None:
    """Give ``param`` a metavar in words (once): none for a flag, the upper-cased name otherwise
    (``--host HOST``), unless the declaration chose one (``--param NAME=VALUES``)."""
    if isinstance(param, TyperOption):
        if param.is_flag:
            param.metavar = ""
        elif param.metavar is None:
            param.metavar = (param.name or "value").strip("_").upper().replace("_", "-")
    elif isinstance(param, TyperArgument):
        if param.metavar is None:
            param.metavar = (param.name or "value").upper() + ("..." if param.nargs != 1 else "")
        # Typer offers no hook to leave out an argument's type; the subclass only adds the two
        # display methods above, so swapping the class keeps every value the parser uses.
        param.__class__ = _WordArgument


class _WordsHelp:
    """Mixin of :class:`Command` and :class:`Group`: every parameter, the help option included,
    is shown in words."""

    params: list[Any]

    def _words(self) -> None:
        for param in self.params:
            _in_words(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            _in_words(option)
        return option


class Command(_WordsHelp, TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._words()


class Group(_WordsHelp, TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._words()


def new_group(help: str) -> typer.Typer:
    """A command group (``autotuner presets ...``); declare its commands with ``cls=Command``."""
    return typer.Typer(cls=Group, help=help, no_args_is_help=True)


# --- the database --------------------------------------------------------------------------


@contextmanager
def open_session(settings: Settings | None = None) -> Iterator[Session]:
    """A session on the configured database (migrated and seeded), committing on success."""
    # Imported here, not at the top: SQLAlchemy and the migrations cost ~0.5 s that
    # `autotuner --help` should not wait for.
    from autotuner.db.session import session_scope
    from autotuner.startup import prepare_database
    from autotuner.web.routes import presets as _preset_routes  # noqa: F401  (reserves the route words as slugs)

    settings = settings or get_settings()
    try:
        engine, factory = prepare_database(settings)
    except Exception as exc:  # unreachable or unusable database
        fail(f"Cannot open the database {settings.resolved_database_url!r}: {exc}")
    try:
        with session_scope(factory) as session:
            yield session
    finally:
        engine.dispose()


# --- who runs the command -----------------------------------------------------------------


def token_file() -> Path:
    """``$XDG_CONFIG_HOME/autotuner/token``, falling back to ``~/.config/autotuner/token``."""
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "autotuner" / "token"


def configured_token() -> tuple[str, str] | None:
    """``(token, where it came from)`` when the environment or the token file holds one."""
    from_env = os.environ.get("AUTOTUNER_TOKEN", "").strip()
    if from_env:
        return from_env, "AUTOTUNER_TOKEN"
    path = token_file()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError as exc:
        fail(f"Cannot read the token file {path} ({exc.strerror}): fix its permissions or remove it.")
    return (text, str(path)) if text else None


def acting_actor(session: Session) -> Actor:
    """Who this command acts as: the operator, or the user of the configured token (refused with
    the API's sentence when the token is unknown, revoked or expired)."""
    found = configured_token()
    if found is None:
        return OPERATOR
    from autotuner.accounts.authentication import authenticate_token
    from autotuner.core.errors import Unauthorized

    token, where = found
    try:
        actor = authenticate_token(session, token, peer="cli", settings=get_settings())
    except Unauthorized as exc:
        fail(f"{exc.message} (The token came from {where}.)")
    # End the reading transaction: a service that writes begins its own writing one (SQLite).
    session.commit()
    return actor


# --- arguments in the CLI's own notation ---------------------------------------------------


def parse_value(text: str) -> Any:
    """``4`` -> 4, ``0.9`` -> 0.9, ``true`` -> True, anything else stays a string."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, (bool, int, float)) else text


def parse_assignments(items: list[str] | None, option: str) -> dict[str, Any]:
    """``["tp-size=1,2", "schedule-policy=lpm"]`` -> ``{"tp-size": [1, 2], "schedule-policy": ["lpm"]}``."""
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            fail(f"{option} {item!r} is not NAME=VALUE[,VALUE...]: write e.g. {option} tp-size=1,2")
        out[name.strip()] = [parse_value(v.strip()) for v in values.split(",") if v.strip()]
    return out
