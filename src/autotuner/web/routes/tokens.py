"""/api/tokens: API tokens for the CLI and scripts. The secret is in the creation's answer only."""

from __future__ import annotations

from fastapi import Response, status

from autotuner.accounts import tokens
from autotuner.accounts.schemas import TokenCreate, TokenCreated, TokenRead, token_read
from autotuner.web.deps import ActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/tokens", tags=["tokens"], responses=ERROR_RESPONSES)


@router.get("/", response_model=list[TokenRead], summary="Your tokens (admins: everyone's), without secrets")
def list_tokens(session: SessionDep, actor: ActorDep, user: str | None = None) -> list[TokenRead]:
    return [token_read(v) for v in tokens.list_tokens(session, actor, user_ref=user)]


@router.post(
    "/",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a token: its secret is shown in this answer only",
)
def create_token(session: SessionDep, actor: ActorDep, data: TokenCreate) -> TokenCreated:
    view, secret = tokens.create_token(session, actor, data.name, user_ref=data.user, expires_days=data.expires_days)
    return TokenCreated(token=token_read(view), secret=secret)


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a token")
def revoke_token(session: SessionDep, actor: ActorDep, token_id: str) -> Response:
    tokens.revoke_token(session, actor, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
