"""Request and response bodies of the accounts API (users, teams, tokens, sign-in, audit log).
No response model has a field for a password, a hash or a cookie; a token's secret appears in
one only, :class:`TokenCreated`, the answer to its creation."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from autotuner.accounts import passwords
from autotuner.accounts.tokens import TokenView
from autotuner.core.enums import TeamRole
from autotuner.core.requests import RequestModel

Password = Field(min_length=1, max_length=passwords.MAX_LENGTH)


class LoginRequest(RequestModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Password


class UserCreate(RequestModel):
    username: str = Field(min_length=1, max_length=64, description="Letters, digits, '.', '_', '-' (lower-cased).")
    password: str = Field(
        min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH, description="At least 8 characters."
    )
    is_admin: bool = Field(default=False, description="The first user must be an admin.")


class UserUpdate(RequestModel):
    disabled: bool | None = Field(default=None, description="A disabled user cannot sign in or use tokens.")
    is_admin: bool | None = None


class PasswordChange(RequestModel):
    current_password: str | None = Field(
        default=None, max_length=passwords.MAX_LENGTH, description="Needed to change one's own password."
    )
    new_password: str = Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    is_admin: bool
    disabled: bool
    created_at: datetime


class TeamCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)


class MemberSet(RequestModel):
    role: TeamRole = Field(default=TeamRole.member, strict=False)


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    username: str
    role: TeamRole


class TeamRead(BaseModel):
    id: int
    name: str
    created_at: datetime
    role: TeamRole | None = Field(description="The caller's role in the team (None: an admin who is not a member).")


class TeamDetail(TeamRead):
    members: list[MemberRead]


class TokenCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100, description="What the token is for, e.g. 'laptop CLI'.")
    expires_days: int | None = Field(default=None, ge=1, le=3650, description="Days until it expires (none: never).")
    user: str | None = Field(default=None, max_length=64, description="Whose token (admins only; default: yours).")


class TokenRead(BaseModel):
    id: int
    name: str
    user: str
    prefix: str = Field(description="The secret's first characters, to tell tokens apart.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def token_read(view: TokenView) -> TokenRead:
    token = view.token
    return TokenRead(
        id=token.id,
        name=token.name,
        user=view.username,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


class TokenCreated(BaseModel):
    token: TokenRead
    secret: str = Field(description="The token itself: shown this once, never again. Send it as 'Bearer <secret>'.")


class MeRead(BaseModel):
    mode: Literal["single-user", "signed-in", "signed-out"] = Field(
        description="single-user: no user exists and this machine needs no sign-in; signed-out: show the sign-in page."
    )
    user: UserRead | None
    teams: list[TeamRead]


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    summary: str
    remote_addr: str | None
