"""Who sends a request: :func:`authenticate` turns its credentials into an
:class:`~autotuner.core.actors.Actor`, or refuses it with a sentence.

- **Single-user mode**: while no user exists, a request from this machine (a loopback peer) is
  the operator, an admin; no sign-in is needed. Requests from elsewhere are refused, unless the
  operator started the service with ``--insecure`` (``Settings.insecure``).
- Once a user exists (the first is an admin), every request needs ``Authorization: Bearer
  <token>`` or the session cookie of a browser that signed in. A token that is unknown, revoked,
  expired or whose user is disabled is refused (401) with a sentence saying which.
- Failed token uses count against the remote address (:mod:`autotuner.accounts.ratelimit`).
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from autotuner.accounts.ratelimit import TOKEN_USES, FailureLimiter, token_key
from autotuner.accounts.sessions import find_session
from autotuner.accounts.tokens import digest, token_problem
from autotuner.accounts.users import users_exist
from autotuner.core.actors import Actor
from autotuner.core.enums import TeamRole
from autotuner.core.errors import Unauthorized
from autotuner.core.settings import Settings
from autotuner.db.base import utcnow
from autotuner.db.models import ApiToken, TeamMember, User
from autotuner.db.session import begin_write

log = logging.getLogger(__name__)

SIGN_IN_FIRST = (
    "Sign in first: this service has users, so every request needs a session (sign in at /) or an API token "
    "(Authorization: Bearer <token>)."
)
NO_USERS_REMOTE = (
    "Sign in first: this service has no users yet, and without one it answers only its own machine; create the "
    "first admin there with `autotuner users create NAME --admin`."
)
SESSION_ENDED = "Your session has ended (it lasts 12 hours, and signing out ends it): sign in again."
BAD_HEADER = "The Authorization header must be 'Bearer <token>': send an API token that way, or sign in."
# A token's last use is written at most this often (a write per request would be too many).
LAST_USE_PRECISION = timedelta(minutes=1)


def is_loopback(peer: str | None) -> bool:
    """Whether the peer address is this machine (127.0.0.0/8, ::1, or ::ffff:127.x.y.z)."""
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def bearer_token(authorization: str) -> str:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(BAD_HEADER)
    return token.strip()


def actor_for(session: Session, user: User, settings: Settings, remote_addr: str | None) -> Actor:
    """The actor of a signed-in user: their admin role, their teams and roles."""
    roles = session.execute(select(TeamMember.team_id, TeamMember.role).where(TeamMember.user_id == user.id)).all()
    return Actor(
        name=user.username,
        is_admin=user.is_admin,
        command_runtime_on=settings.allow_command_runtime,
        user_id=user.id,
        team_roles={team_id: TeamRole(role) for team_id, role in roles},
        remote_addr=remote_addr,
    )


def _record_use(session: Session, token: ApiToken) -> None:
    """Write the token's last use (in a writing transaction of its own: the session's reading one
    ends first)."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_PRECISION:
        return
    token_id = token.id
    session.commit()
    begin_write(session)
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    session.commit()


def authenticate_token(
    session: Session, secret: str, *, peer: str | None, settings: Settings, limiter: FailureLimiter | None = None
) -> Actor:
    """The actor of an API token's user, or 401 saying why the token cannot be used."""
    key = token_key(peer)
    if limiter is not None:
        limiter.check(key, what=TOKEN_USES)
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest(secret))
    ).first()
    token, user = (row[0], row[1]) if row is not None else (None, None)
    problem = token_problem(token, user, utcnow())
    if problem is not None or token is None or user is None:
        if limiter is not None:
            limiter.failed(key)
        raise Unauthorized(problem or SIGN_IN_FIRST)
    actor = actor_for(session, user, settings, peer)
    _record_use(session, token)
    return actor


def authenticate(
    session: Session,
    *,
    bearer: str | None,
    cookie: str | None,
    peer: str | None,
    settings: Settings,
    limiter: FailureLimiter | None = None,
    any_user: bool | None = None,
) -> Actor:
    """The actor of a request with these credentials from ``peer`` (see the module's docstring).
    It may commit ``session`` (recording a token's use); give it a session of its own.
    ``any_user``: whether users exist, when the caller knows already (it saw one sign in, and users
    are never deleted; or it asked in the same statement as other questions); None: ask."""
    if not (users_exist(session) if any_user is None else any_user):
        if is_loopback(peer) or settings.insecure:
            return Actor.operator(allow_command_runtime=settings.allow_command_runtime, remote_addr=peer)
        raise Unauthorized(NO_USERS_REMOTE)
    if bearer is not None:
        try:
            return authenticate_token(session, bearer, peer=peer, settings=settings, limiter=limiter)
        except Unauthorized as exc:
            log.warning("Refused an API token from %s: %s", peer or "an unknown address", exc.message)
            raise
    if cookie:
        found = find_session(session, cookie)
        user = session.get(User, found.user_id) if found is not None else None
        if user is None or user.disabled:
            raise Unauthorized(SESSION_ENDED)
        return actor_for(session, user, settings, peer)
    raise Unauthorized(SIGN_IN_FIRST)
