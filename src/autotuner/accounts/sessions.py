"""Browser sessions: signing in with a name and password gives a random secret for a cookie (the
table keeps its SHA-256), good for 12 hours; signing out forgets it."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from autotuner.accounts import passwords
from autotuner.accounts.audit import record
from autotuner.accounts.ratelimit import FailureLimiter, sign_in_keys, sign_in_user_key
from autotuner.accounts.tokens import digest
from autotuner.core.actors import Actor
from autotuner.core.errors import Unauthorized
from autotuner.db.base import utcnow
from autotuner.db.models import User, WebSession
from autotuner.db.session import begin_write

log = logging.getLogger(__name__)

COOKIE_NAME = "autotuner_session"
SESSION_HOURS = 12
WRONG = "Wrong user name or password: check both and sign in again."


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    remote_addr: str | None,
    limiter: FailureLimiter | None = None,
) -> tuple[User, str]:
    """Check the password and start a session: ``(user, cookie secret)``. A wrong name or
    password is one sentence for both; too many failures from one address or for one name are
    refused for a while (429)."""
    name = username.strip().lower()
    keys = sign_in_keys(remote_addr, name)
    if limiter is not None:
        limiter.check(*keys)
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if not passwords.verify_password(user.password_hash if user else None, password) or user is None:
        if limiter is not None:
            limiter.failed(*keys)
        # The name is logged only when it is a user's: a name typed wrong may be a password.
        shown = f"user '{user.username}'" if user is not None else "an unknown user name"
        log.warning("Failed sign-in for %s from %s", shown, remote_addr or "an unknown address")
        raise Unauthorized(WRONG)
    if user.disabled:
        raise Unauthorized(f"The account '{user.username}' is disabled: ask an admin of this service.")
    if limiter is not None:
        limiter.forget(sign_in_user_key(name))
    rehash = passwords.needs_rehash(user.password_hash)
    new_hash = passwords.hash_password(password) if rehash else None
    session.rollback()  # end the reading transaction: the writes below take the write lock first
    begin_write(session)
    if new_hash is not None:
        user.password_hash = new_hash
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    secret = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    session.add(WebSession(user_id=user.id, token_hash=digest(secret), created_at=now, expires_at=expires))
    actor = Actor(
        name=user.username, is_admin=user.is_admin, command_runtime_on=False, user_id=user.id, remote_addr=remote_addr
    )
    record(session, actor, "auth.login", "user", user.id, f"'{user.username}' signed in.")
    session.flush()
    log.info("'%s' signed in from %s", user.username, remote_addr or "an unknown address")
    return user, secret


def sign_out(session: Session, cookie: str | None) -> None:
    """Forget the session of this cookie (nothing when there is none)."""
    if not cookie:
        return
    begin_write(session)
    session.execute(delete(WebSession).where(WebSession.token_hash == digest(cookie)))


def find_session(session: Session, cookie: str) -> WebSession | None:
    """The live session of this cookie, or None (unknown or expired)."""
    found = session.scalar(select(WebSession).where(WebSession.token_hash == digest(cookie)))
    if found is None or found.expires_at <= utcnow():
        return None
    return found
