"""The presets, serialised once and served again until the table changes.

Serialising ~1,000 presets costs ~20 ms of CPU per request; checking whether anything changed
costs one primary-key look-up (the presets' revision number, which the database's own triggers
raise on every write to the presets or their shares: see ``autotuner.db.models.PresetRevision``),
and also sees changes made by other processes such as the CLI. The list's filters run over the
cached rows, and a single preset (``GET /api/presets/{ref}``) is served from them too while they
are fresh: loading it through the ORM (the row, its owner, shares and bases) cost more than the
rest of the request.
"""

from __future__ import annotations

import copy
import gzip as zlib_gzip
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.core.ids import as_id
from autotuner.db.models import PresetRevision
from autotuner.presets import service
from autotuner.presets.schemas import PresetRead

# Whether anything changed: asked on every request, in plain SQL (building and compiling the same
# expression each time cost more than running it). A subquery, so that a caller can ask it in one
# statement with another question.
KEY_COLUMNS = f"(SELECT number FROM {PresetRevision.__tablename__} WHERE id = 1)"
_KEY_SQL = f"SELECT {KEY_COLUMNS}"
# Where a request's session keeps the key when it was asked together with another question.
_KEY_INFO = "autotuner_preset_key"


# Kept answers, at most (they are dropped all at once past either bound).
MAX_BODIES = 16
MAX_BODY_BYTES = 64 * 1024 * 1024
# A list of 1,000 presets is 1.5 MB of JSON and about 0.1 MB gzipped; level 6 compresses it in
# ~10 ms, once per change of the presets.
GZIP_FROM_BYTES = 4096
GZIP_LEVEL = 6


@dataclass(frozen=True)
class _Row:
    """One preset as the list, a single read and a merge need it (a :class:`service.Mergeable`)."""

    id: int
    name: str
    slug: str
    version: int
    category: str | None
    is_system: bool
    runtime: str | None
    search_text: str
    owner_id: int | None
    visibility: str
    team_ids: tuple[int, ...]
    effective_parameters: dict[str, Any]
    json: bytes


class PresetListCache:
    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._rows: list[_Row] = []
        self._by_ref: dict[int | str, _Row] = {}
        # Answers already joined, per (who may read what, filters): a list of 1,000 presets is
        # 1.5 MB, joined again on every request otherwise. Emptied with the rows.
        self._bodies: dict[tuple[Any, ...], bytes] = {}
        self._body_bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def remember_key(session: Session, key: tuple[Any, ...]) -> None:
        """The key (the values of :data:`KEY_COLUMNS`), asked by the caller in ``session`` together
        with another question: the cache's next look at the key in ``session`` uses it instead of
        a statement of its own."""
        session.info[_KEY_INFO] = key

    @staticmethod
    def _key_now(session: Session) -> tuple[Any, ...]:
        key: tuple[Any, ...] | None = session.info.pop(_KEY_INFO, None)
        return key if key is not None else tuple(session.connection().exec_driver_sql(_KEY_SQL).one())

    def _current(self, session: Session) -> tuple[tuple[Any, ...], list[_Row]]:
        """The rows as the database holds them now, and the key they were read at."""
        key = self._key_now(session)
        with self._lock:
            if key == self._key:
                return key, self._rows
        rows = [
            _Row(
                id=p.id,
                name=p.name,
                slug=p.slug,
                version=p.version,
                category=p.category,
                is_system=p.is_system,
                runtime=p.runtime,
                search_text=service.search_text(p),
                owner_id=p.owner_id,
                visibility=p.visibility,
                team_ids=tuple(p.team_ids),
                # A copy of its own: the row outlives the session, and nothing may change it.
                effective_parameters=copy.deepcopy(p.effective_parameters),
                json=PresetRead.model_validate(p).model_dump_json().encode(),
            )
            for p in service.list_presets(session)
        ]
        by_ref: dict[int | str, _Row] = {row.id: row for row in rows}
        by_ref.update((row.slug, row) for row in rows)
        with self._lock:
            self._key, self._rows, self._by_ref = key, rows, by_ref
            self._bodies, self._body_bytes = {}, 0
        return key, rows

    def merge_source(self, session: Session) -> service.MergeSource | None:
        """Where a merge finds its presets while the cache is fresh (None: it is not, and the
        merge loads them; the cache is not rebuilt for a merge)."""
        with self._lock:
            key, by_ref = self._key, self._by_ref
        if key is None or key != self._key_now(session):
            return None

        def find(ids: set[int], slugs: set[str]) -> list[service.Mergeable]:
            refs: list[int | str] = [*ids, *slugs]
            return [row for ref in refs if (row := by_ref.get(ref)) is not None]

        return find

    def one_json(self, session: Session, actor: Actor, ref: str) -> tuple[bytes, int]:
        """One preset ``actor`` may read, by id or slug, as ``(JSON, version)``: from the cache
        while it is fresh (it is not rebuilt for one preset), else loaded; the errors are the
        service's (a preset the actor may not read is not found, like one that does not exist)."""
        with self._lock:
            key, by_ref = self._key, self._by_ref
        text = ref.strip()
        number = as_id(text)
        row = by_ref.get(number if number is not None else text)
        if (
            row is not None
            and actor.may_read(row.owner_id, row.visibility, row.team_ids)
            and key == self._key_now(session)
        ):
            return row.json, row.version
        preset = service.get_preset(session, ref, actor)
        return PresetRead.model_validate(preset).model_dump_json().encode(), preset.version

    def list_json(
        self,
        session: Session,
        actor: Actor,
        *,
        category: str | None = None,
        is_system: bool | None = None,
        runtime: str | None = None,
        q: str | None = None,
        mine: bool = False,
        team: int | None = None,
        visibility: str | None = None,
        gzip: bool = False,
    ) -> tuple[bytes, bool]:
        """The JSON array of the presets ``actor`` may read that match the filters, as
        ``service.list_presets`` orders them, and whether it is gzip-compressed: with ``gzip``
        (the client accepts it), a large answer is compressed, once until the presets change."""
        needle = q.strip().lower() if q and q.strip() else None
        key, rows = self._current(session)
        # Everything may_read and ``mine`` look at.
        reader = (actor.is_admin, actor.user_id, tuple(sorted(actor.team_roles)))
        memo = (key, reader, category, is_system, runtime, needle, mine, team, visibility)
        with self._lock:
            body = self._bodies.get(memo)
            compressed = self._bodies.get((*memo, "gzip")) if gzip else None
        if compressed is not None:
            return compressed, True
        if body is None:
            body = self._join(rows, actor, memo)
            self._keep(key, memo, body)
        if not gzip or len(body) < GZIP_FROM_BYTES:
            return body, False
        compressed = zlib_gzip.compress(body, compresslevel=GZIP_LEVEL)
        self._keep(key, (*memo, "gzip"), compressed)
        return compressed, True

    def _keep(self, key: tuple[Any, ...], memo: tuple[Any, ...], body: bytes) -> None:
        with self._lock:
            if key == self._key:  # not if the rows were read again meanwhile
                if len(self._bodies) >= MAX_BODIES or self._body_bytes + len(body) > MAX_BODY_BYTES:
                    self._bodies.clear()
                    self._body_bytes = 0
                self._bodies[memo] = body
                self._body_bytes += len(body)

    @staticmethod
    def _join(rows: list[_Row], actor: Actor, memo: tuple[Any, ...]) -> bytes:
        _key, _reader, category, is_system, runtime, needle, mine, team, visibility = memo
        selected = [
            row.json
            for row in rows
            if actor.may_read(row.owner_id, row.visibility, row.team_ids)
            and (not mine or (row.owner_id is not None and row.owner_id == actor.user_id))
            and (team is None or team in row.team_ids)
            and (visibility is None or row.visibility == visibility)
            and (not category or row.category == category)
            and (is_system is None or row.is_system == is_system)
            and (not runtime or row.runtime == runtime)
            and (needle is None or needle in row.search_text)
        ]
        return b"[" + b",".join(selected) + b"]"
