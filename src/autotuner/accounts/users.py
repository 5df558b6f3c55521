"""Users: create (the first one is an admin and switches sign-in on), list, disable, promote, and
change passwords.

Functions take a ``Session`` and the :class:`~autotuner.core.actors.Actor` asking; they raise
domain errors and record every change in the audit log; the caller owns the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from autotuner.accounts import passwords
from autotuner.accounts.audit import record
from autotuner.core.actors import Actor
from autotuner.core.errors import Forbidden, InvalidState, NameConflict, NotFound, ValidationFailed
from autotuner.core.ids import as_id, storable_id
from autotuner.db.models import ParameterPreset, Task, User, WebSession
from autotuner.db.session import begin_write, flush_unique

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# "local" is the operator's name in the audit log; "me" is the caller in /api/users/me/...
RESERVED_NAMES = frozenset({"local", "me"})
ADMINS_ONLY = "Only an admin may manage users: ask an admin of this service."


def normalize_username(username: str) -> str:
    """``" Alice "`` -> ``"alice"``; refuses names that are not 1-64 letters, digits, ``.``, ``_``, ``-``."""
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name) or name.isdigit():
        raise ValidationFailed(
            "A user name is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or "
            f"digit and not only digits: '{username.strip()[:64]}' is not one."
        )
    if name in RESERVED_NAMES:
        raise ValidationFailed(f"The user name '{name}' is reserved: choose another.")
    return name


# Asked on every request in single-user mode: plain SQL, cheaper than building the expression.
ANY_USER_SQL = f"SELECT 1 FROM {User.__tablename__} LIMIT 1"
# The same question as a column (NULL: no user), to be asked in one statement with others.
ANY_USER_COLUMN = f"({ANY_USER_SQL})"


def users_exist(session: Session) -> bool:
    """Whether any user was ever created: from then on every request must sign in."""
    return session.connection().exec_driver_sql(ANY_USER_SQL).first() is not None


def find_user(session: Session, ref: int | str) -> User | None:
    """The user with id or name ``ref``, or None."""
    text = str(ref).strip()
    number = as_id(text)
    if number is not None:
        return session.get(User, number) if storable_id(number) else None
    return session.scalar(select(User).where(User.username == text.lower()))


def get_user(session: Session, ref: int | str) -> User:
    user = find_user(session, ref)
    if user is None:
        raise NotFound(f"User not found: no user with id or name '{str(ref).strip()[:64]}'.")
    return user


def _lock_users(session: Session) -> None:
    """Serialize creators of users, so that two first users cannot both be made at once (SQLite's
    writing transaction already does; PostgreSQL locks the table against other writers)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))


def create_user(session: Session, actor: Actor, username: str, password: str, *, is_admin: bool = False) -> User:
    """A new user. The first one must be an admin and may be made only by the operator of this
    machine; it owns, from then on, every preset (system presets excepted) and task without an
    owner. Later users are made by admins."""
    name = normalize_username(username)
    password_hash = passwords.hash_password(password)  # slow: before the write lock
    begin_write(session)
    _lock_users(session)
    first = not users_exist(session)
    if not actor.is_admin:
        raise Forbidden(ADMINS_ONLY)
    if first and not is_admin:
        raise ValidationFailed(
            "The first user must be an admin (it switches sign-in on and manages the others): create it as an admin."
        )
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise NameConflict(f"The user name '{name}' is taken: choose another.")
    user = User(username=name, password_hash=password_hash, is_admin=is_admin)
    session.add(user)
    flush_unique(session, f"The user name '{name}' is taken: choose another.")
    summary = f"Created {'admin' if is_admin else 'user'} '{name}'"
    if first:
        presets = session.execute(
            update(ParameterPreset)
            .where(ParameterPreset.owner_id.is_(None), ParameterPreset.is_system.is_(False))
            .values(owner_id=user.id)
        )
        tasks = session.execute(update(Task).where(Task.owner_id.is_(None)).values(owner_id=user.id))
        summary += (
            f", the first: sign-in is on, and it owns the {presets.rowcount} preset(s) and "  # type: ignore[attr-defined]
            f"{tasks.rowcount} task(s) made before"  # type: ignore[attr-defined]
        )
    record(session, actor, "user.create", "user", user.id, summary + ".")
    return user


def list_users(session: Session, actor: Actor) -> Sequence[User]:
    if not actor.is_admin:
        raise Forbidden(ADMINS_ONLY)
    return session.scalars(select(User).order_by(User.username)).all()


def _enabled_admins(session: Session) -> int:
    return len(session.scalars(select(User.id).where(User.is_admin.is_(True), User.disabled.is_(False))).all())


def update_user(
    session: Session, actor: Actor, ref: int | str, *, disabled: bool | None = None, is_admin: bool | None = None
) -> User:
    """Disable or enable a user (a disabled user cannot sign in, and their tokens and sessions stop
    working), or make them an admin or not. Admins only; the last enabled admin stays one."""
    begin_write(session)
    if not actor.is_admin:
        raise Forbidden(ADMINS_ONLY)
    user = get_user(session, ref)
    losing_admin = user.is_admin and not user.disabled and (disabled is True or is_admin is False)
    if losing_admin and _enabled_admins(session) <= 1:
        raise InvalidState(
            f"'{user.username}' is the last enabled admin: make another user an admin first, or nobody could "
            "manage this service."
        )
    changes = []
    if disabled is not None and disabled != user.disabled:
        user.disabled = disabled
        changes.append("disabled" if disabled else "enabled")
        if disabled:
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    if is_admin is not None and is_admin != user.is_admin:
        user.is_admin = is_admin
        changes.append("made an admin" if is_admin else "no longer an admin")
    if changes:
        session.flush()
        record(session, actor, "user.update", "user", user.id, f"User '{user.username}': {', '.join(changes)}.")
    return user


def change_password(
    session: Session,
    actor: Actor,
    ref: int | str,
    new_password: str,
    *,
    current_password: str | None = None,
    keep_session_hash: str | None = None,
) -> User:
    """Set a user's password. One's own needs the current password; an admin sets anyone's
    without it. The user's other browser sessions end."""
    new_hash = passwords.hash_password(new_password)  # slow: before the write lock
    begin_write(session)
    user = get_user(session, ref)
    own = actor.user_id is not None and actor.user_id == user.id
    if not own and not actor.is_admin:
        raise NotFound(f"User not found: no user with id or name '{str(ref).strip()[:64]}'.")
    if own and not passwords.verify_password(user.password_hash, current_password or ""):
        raise Forbidden("The current password is wrong: give your current password to choose a new one.")
    user.password_hash = new_hash
    ended = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session_hash is not None:
        ended = ended.where(WebSession.token_hash != keep_session_hash)
    session.execute(ended)
    record(session, actor, "user.password", "user", user.id, f"Changed the password of '{user.username}'.")
    session.flush()
    return user
