"""/api/auth: sign in (a session cookie for the UI), sign out, and who the caller is.

These routes need no sign-in. The cookie is HttpOnly, SameSite=Strict and Secure when the request
came over https; the door (:mod:`autotuner.web.security`) refuses changes from other sites.
"""

from __future__ import annotations

from fastapi import Request, Response, status

from autotuner.accounts import sessions, teams
from autotuner.accounts.schemas import LoginRequest, MeRead, TeamRead, UserRead
from autotuner.accounts.tokens import digest
from autotuner.core.actors import Actor
from autotuner.web.deps import OptionalActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)


def me_read(session: SessionDep, actor: Actor | None) -> MeRead:
    from autotuner.accounts.users import get_user

    if actor is None:
        return MeRead(mode="signed-out", user=None, teams=[])
    if actor.user_id is None:
        return MeRead(mode="single-user", user=None, teams=[])
    user = get_user(session, actor.user_id)
    memberships = teams.list_teams(session, actor, user_ref=user.id)
    return MeRead(
        mode="signed-in",
        user=UserRead.model_validate(user),
        teams=[
            TeamRead(id=m.team.id, name=m.team.name, created_at=m.team.created_at, role=m.role) for m in memberships
        ],
    )


def _set_cookie(response: Response, request: Request, secret: str) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        secret,
        max_age=sessions.SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


@router.post("/login", response_model=MeRead, summary="Sign in: sets the session cookie")
def login(session: SessionDep, request: Request, response: Response, data: LoginRequest) -> MeRead:
    from autotuner.accounts.authentication import actor_for

    peer = request.client.host if request.client else None
    user, secret = sessions.sign_in(
        session, data.username, data.password, remote_addr=peer, limiter=request.app.state.sign_in_limiter
    )
    _set_cookie(response, request, secret)
    return me_read(session, actor_for(session, user, request.app.state.settings, peer))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out: ends the session")
def logout(session: SessionDep, request: Request) -> Response:
    cookie = request.cookies.get(sessions.COOKIE_NAME)
    sessions.sign_out(session, cookie)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(
        sessions.COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.get("/me", response_model=MeRead, summary="Who is signed in (works without a sign-in)")
def me(session: SessionDep, actor: OptionalActorDep) -> MeRead:
    return me_read(session, actor)


def session_hash(request: Request) -> str | None:
    """The stored form of this request's session cookie (None without one)."""
    cookie = request.cookies.get(sessions.COOKIE_NAME)
    return digest(cookie) if cookie else None
