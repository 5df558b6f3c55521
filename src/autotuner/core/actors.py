"""Who is asking, and what they may do. Every service function that reveals or changes a preset
or a task takes an ``Actor`` and decides, so the API and the CLI obey the same rules.

The access rules (the README's access-control matrix):

- an admin reads and writes everything (system presets excepted: nobody writes those);
- the owner of an object reads, edits, shares and deletes it;
- a public object is read by everyone signed in; one shared with teams is read by their members
  (any role) and edited by their owners and members (not viewers); sharing and deleting stay the
  owner's (and the admins');
- an object one may not read does not exist for one (404, no existence leak); one may read but not
  write answers 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from autotuner.core.enums import TeamRole, Visibility
from autotuner.core.errors import Forbidden

COMMAND_RUNTIME_OFF = (
    "The 'command' runtime runs any program a task names, and it is off on this service: use "
    "sglang or vllm, or ask the operator to start the service with AUTOTUNER_ALLOW_COMMAND_RUNTIME=true "
    "(the stand-in engine of examples/toy_task.json needs it; `autotuner tune` runs it locally without it)."
)
COMMAND_RUNTIME_ADMINS = "The 'command' runtime runs any program a task names: only an admin may use it."

EDITING_ROLES = frozenset({TeamRole.owner, TeamRole.member})


@dataclass(frozen=True)
class Actor:
    name: str
    is_admin: bool
    # The operator turned the command runtime on (it is for admins only).
    command_runtime_on: bool
    user_id: int | None = None  # None: the operator of this machine (single-user mode, the CLI)
    team_roles: Mapping[int, TeamRole] = field(default_factory=dict)
    remote_addr: str | None = None

    @classmethod
    def operator(cls, *, allow_command_runtime: bool, remote_addr: str | None = None) -> Actor:
        """Whoever runs the service or the CLI on its own machine, with access to its data."""
        return cls(name="local", is_admin=True, command_runtime_on=allow_command_runtime, remote_addr=remote_addr)

    @property
    def may_run_commands(self) -> bool:
        return self.command_runtime_on and self.is_admin

    def check_may_run_commands(self) -> None:
        if not self.command_runtime_on:
            raise Forbidden(COMMAND_RUNTIME_OFF)
        if not self.is_admin:
            raise Forbidden(COMMAND_RUNTIME_ADMINS)

    # --- objects with an owner and a visibility ------------------------------------------------

    def owns(self, owner_id: int | None) -> bool:
        return self.is_admin or (self.user_id is not None and owner_id == self.user_id)

    def may_read(self, owner_id: int | None, visibility: str, team_ids: Iterable[int]) -> bool:
        if self.owns(owner_id) or visibility == Visibility.public:
            return True
        return visibility == Visibility.teams and any(t in self.team_roles for t in team_ids)

    def may_edit(self, owner_id: int | None, visibility: str, team_ids: Iterable[int]) -> bool:
        if self.owns(owner_id):
            return True
        return visibility == Visibility.teams and any(self.team_roles.get(t) in EDITING_ROLES for t in team_ids)
