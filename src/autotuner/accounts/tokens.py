"""API tokens for the CLI and scripts: a random secret shown once, stored as its SHA-256, named,
with an optional expiry; listed without secrets, revocable, and their last use recorded."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from autotuner.accounts.audit import record
from autotuner.accounts.users import get_user
from autotuner.core.actors import Actor
from autotuner.core.errors import Forbidden, NotFound, ValidationFailed
from autotuner.core.ids import as_id, storable_id
from autotuner.db.base import utcnow
from autotuner.db.models import ApiToken, User
from autotuner.db.session import begin_write

# Every secret starts so (easy to find in a file that should not hold one); 32 random bytes follow.
SECRET_PREFIX = "att_"
SHOWN_PREFIX = 12  # characters of the secret kept to tell tokens apart in lists
MAX_NAME = 100
MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class TokenView:
    token: ApiToken
    username: str


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 of a secret, as stored (tokens and browser sessions alike)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    session: Session,
    actor: Actor,
    name: str,
    *,
    user_ref: int | str | None = None,
    expires_days: int | None = None,
) -> tuple[TokenView, str]:
    """A new token for the actor (an admin may make one for any user, the operator must name the
    user). Returns the token and its secret: the only time the secret is ever seen."""
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME:
        raise ValidationFailed(f"A token's name is 1 to {MAX_NAME} characters (e.g. 'laptop CLI'): give it one.")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ValidationFailed(f"A token expires after 1 to {MAX_EXPIRY_DAYS} days: give a number in that range.")
    begin_write(session)
    if user_ref is None:
        if actor.user_id is None:
            raise ValidationFailed("Name the user the token acts for (e.g. --user alice): a token belongs to a user.")
        user = get_user(session, actor.user_id)
    else:
        user = get_user(session, user_ref)
        if user.id != actor.user_id and not actor.is_admin:
            raise Forbidden("Only an admin may create a token for another user: create one for yourself.")
    if user.disabled:
        raise ValidationFailed(f"'{user.username}' is disabled: enable the user before giving them a token.")
    secret = new_secret()
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=clean,
        token_hash=digest(secret),
        prefix=secret[:SHOWN_PREFIX],
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    expiry = f", expiring in {expires_days} day(s)" if expires_days else ""
    record(session, actor, "token.create", "token", token.id, f"Created token '{clean}' for '{user.username}'{expiry}.")
    return TokenView(token, user.username), secret


def list_tokens(session: Session, actor: Actor, *, user_ref: int | str | None = None) -> list[TokenView]:
    """The actor's tokens (an admin: every token, or ``user_ref``'s), newest first, never a secret."""
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if user_ref is not None:
        user = get_user(session, user_ref)
        if user.id != actor.user_id and not actor.is_admin:
            raise Forbidden("Only an admin may list another user's tokens.")
        query = query.where(ApiToken.user_id == user.id)
    elif not actor.is_admin:
        if actor.user_id is None:
            return []
        query = query.where(ApiToken.user_id == actor.user_id)
    rows = session.execute(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return [TokenView(token, username) for token, username in rows]


def revoke_token(session: Session, actor: Actor, ref: int | str) -> TokenView:
    """Revoke a token of one's own (an admin: any token); it is refused from then on."""
    begin_write(session)
    number = as_id(str(ref))
    token = session.get(ApiToken, number) if number is not None and storable_id(number) else None
    if token is None or (token.user_id != actor.user_id and not actor.is_admin):
        raise NotFound(f"Token not found: no token with id {str(ref).strip()[:20]} among yours.")
    username = session.scalar(select(User.username).where(User.id == token.user_id)) or ""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        record(session, actor, "token.revoke", "token", token.id, f"Revoked token '{token.name}' of '{username}'.")
    return TokenView(token, username)


def token_problem(token: ApiToken | None, user: User | None, now: datetime) -> str | None:
    """Why a presented token cannot be used, as a sentence; None when it can."""
    if token is None or user is None:
        return "This API token is not known: check AUTOTUNER_TOKEN (or the token file), or create a new token."
    if token.revoked_at is not None:
        return (
            f"This API token ('{token.name}') was revoked on {token.revoked_at:%Y-%m-%d %H:%M} UTC: create a new one."
        )
    if token.expires_at is not None and token.expires_at <= now:
        return f"This API token ('{token.name}') expired on {token.expires_at:%Y-%m-%d %H:%M} UTC: create a new one."
    if user.disabled:
        return f"The user '{user.username}' of this API token is disabled: ask an admin."
    return None
