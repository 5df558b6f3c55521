"""/api/users: admins list, create, disable and promote users; everyone changes their password."""

from __future__ import annotations

from fastapi import Request, status

from autotuner.accounts import users
from autotuner.accounts.schemas import PasswordChange, UserCreate, UserRead, UserUpdate
from autotuner.web.deps import ActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routes.auth import session_hash
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/users", tags=["users"], responses=ERROR_RESPONSES)


@router.get("/", response_model=list[UserRead], summary="List users (admins)")
def list_users(session: SessionDep, actor: ActorDep) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in users.list_users(session, actor)]


@router.post(
    "/",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a user (admins; the first user, an admin, switches sign-in on)",
)
def create_user(session: SessionDep, actor: ActorDep, data: UserCreate) -> UserRead:
    return UserRead.model_validate(
        users.create_user(session, actor, data.username, data.password, is_admin=data.is_admin)
    )


@router.patch("/{user_ref}", response_model=UserRead, summary="Disable, enable or promote a user (admins)")
def update_user(session: SessionDep, actor: ActorDep, user_ref: str, data: UserUpdate) -> UserRead:
    return UserRead.model_validate(
        users.update_user(session, actor, user_ref, disabled=data.disabled, is_admin=data.is_admin)
    )


@router.post(
    "/{user_ref}/password",
    response_model=UserRead,
    summary="Change a password ('me': your own, with the current one; admins: anyone's)",
)
def change_password(
    session: SessionDep, actor: ActorDep, request: Request, user_ref: str, data: PasswordChange
) -> UserRead:
    ref: int | str = user_ref
    if user_ref == "me":
        if actor.user_id is None:
            from autotuner.core.errors import ValidationFailed

            raise ValidationFailed("Nobody is signed in (single-user mode): name the user whose password to change.")
        ref = actor.user_id
    user = users.change_password(
        session,
        actor,
        ref,
        data.new_password,
        current_password=data.current_password,
        keep_session_hash=session_hash(request),
    )
    return UserRead.model_validate(user)
