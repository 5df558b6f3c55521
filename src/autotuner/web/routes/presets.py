"""/api/presets: CRUD, merge, import and export."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import Header, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import UploadFile
from starlette.types import Message

from autotuner.analytics.preset_report import preset_analytics
from autotuner.analytics.schemas import ModelShapeRead, PresetAnalytics, Suggestion, SuggestRequest
from autotuner.analytics.suggest import suggest
from autotuner.core.enums import EngineRuntime, Visibility
from autotuner.core.errors import ImportValidationFailed, PayloadTooLarge, ValidationFailed
from autotuner.core.requests import not_null
from autotuner.db.models import ParameterPreset
from autotuner.presets import history, service
from autotuner.presets.schemas import (
    ImportResult,
    MergeRequest,
    MergeResponse,
    OnConflict,
    PresetBundle,
    PresetCreate,
    PresetDuplicate,
    PresetExport,
    PresetImported,
    PresetRead,
    PresetRestore,
    PresetSaved,
    PresetUpdate,
    PresetVersionDiff,
    PresetVersionPage,
    PresetVersionRead,
    Sharing,
)
from autotuner.tasks.preview import merge_preview
from autotuner.tuning.memory import known_models
from autotuner.web.deps import ActorDep, PresetReaderDep, SessionDep, SettingsDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

# The words right after /api/presets/ that are routes of their own: never a preset reference.
# (tests/web/test_strict_requests.py checks this list against the router's paths.)
TOP_LEVEL_WORDS = ("merge", "import", "suggest")


class PresetRef(Convertor[str]):
    """A preset id or slug: any path segment except this router's own words (merge, import), so
    that e.g. ``GET /api/presets/merge`` is a 405 naming POST, not a 404 for a slug 'merge'."""

    regex = rf"(?!(?:{'|'.join(TOP_LEVEL_WORDS)})$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("preset_ref", PresetRef())

router = SlashTolerantRouter(prefix="/api/presets", tags=["presets"], responses=ERROR_RESPONSES)
# The hot reads (a preset by id or slug, the list, a merge) authenticate in the session they read
# in (``PresetReaderDep``), so the app includes this router without the
# AUTHENTICATED dependency.
reads = SlashTolerantRouter(prefix="/api/presets", tags=["presets"], responses=ERROR_RESPONSES)


def _etags_schema(schema: dict[str, Any]) -> None:
    """If-Match: ETags such as "3" (W/ allowed), comma-separated, or *; a header is never null."""
    not_null(schema)
    schema["pattern"] = r'^(\*|(W/)?"?[0-9]{1,10}"?( ?, ?(W/)?"?[0-9]{1,10}"?)*)$'


IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description='The ETag GET returned (e.g. "3"): the change is refused with 412 if the preset changed since.',
        json_schema_extra=_etags_schema,
    ),
]
VersionNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]
_ETAG = re.compile(r'(?:W/)?"?([0-9]{1,10})"?')


def etag(version: int) -> str:
    """A preset's ETag: its version number, quoted."""
    return f'"{version}"'


def expected_versions(if_match: str | None) -> set[int] | None:
    """The versions an If-Match header accepts (None: any, for ``*`` or no header). An empty
    header is refused, as the schema says: it names no version, so it cannot guard anything."""
    if if_match is None or if_match.strip() == "*":
        return None
    if not if_match.strip():
        raise ValidationFailed(
            'The If-Match header is empty: send the ETag GET returned, such as "3", or leave the header out.'
        )
    versions = set()
    for part in if_match.split(","):
        match = _ETAG.fullmatch(part.strip())
        if match is None:
            raise ValidationFailed(
                f"The If-Match header {if_match.strip()[:60]!r} is not an ETag of a preset: send the ETag GET "
                'returned, such as "3".'
            )
        versions.add(int(match.group(1)))
    return versions


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip``, ``*``, not ``gzip;q=0``)."""
    allowed = False
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() not in ("gzip", "*"):
            continue
        q = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            weight = float(q)
        except ValueError:
            weight = 1.0
        if coding.strip() == "gzip":
            return weight > 0
        allowed = weight > 0
    return allowed


@reads.get("/", response_model=list[PresetRead], summary="List presets")
async def list_presets(
    reader: PresetReaderDep,
    request: Request,
    category: Annotated[str | None, Query(max_length=100)] = None,
    is_system: bool | None = None,
    runtime: EngineRuntime | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in name, description or tags")] = None,
    mine: Annotated[bool, Query(description="Only the caller's own presets.")] = False,
    team: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only those shared with this team.")] = None,
    visibility: Visibility | None = None,
) -> Response:
    """The presets the caller may see (its own, its teams', public ones), filtered."""
    cache = request.app.state.preset_list_cache
    accepts_gzip = _accepts_gzip(request.headers.get("accept-encoding", ""))
    body, compressed = await reader.run(
        lambda session, actor: cache.list_json(
            session,
            actor,
            category=category,
            is_system=is_system,
            runtime=runtime,
            q=q,
            mine=mine,
            team=team,
            visibility=visibility,
            gzip=accepts_gzip,
        ),
    )
    headers = {"Vary": "Accept-Encoding"}
    if compressed:
        headers["Content-Encoding"] = "gzip"
    return Response(content=body, media_type="application/json", headers=headers)


@router.post("/", response_model=PresetSaved, status_code=status.HTTP_201_CREATED, summary="Create a preset")
def create_preset(session: SessionDep, actor: ActorDep, data: PresetCreate, response: Response) -> PresetSaved:
    saved = service.create_preset(session, data, actor)
    response.headers["ETag"] = etag(saved.preset.version)
    return saved.read()


@reads.post(
    "/merge",
    response_model=MergeResponse,
    summary="Merge several presets (their effective parameters), with the combination rules applied",
)
async def merge_presets(reader: PresetReaderDep, request: Request, data: MergeRequest) -> Response:
    cache = request.app.state.preset_list_cache
    answer = await reader.run(lambda session, actor: merge_preview(session, data, actor, cache.merge_source(session)))
    return Response(content=answer.model_dump_json(), media_type="application/json")


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/PresetExport"},
                        {"$ref": "#/components/schemas/PresetBundle"},
                    ]
                }
            },
        },
    }
}


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(_too_large(limit))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(_too_large(limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> str:
    return f"The import file is larger than {limit // 1024} KiB: import presets in smaller files."


async def _import_payload(request: Request, limit: int) -> bytes:
    content_type = request.headers.get("content-type", "")
    # Multipart framing adds a little around the file itself.
    raw = await _read_body(request, limit + 64 * 1024 if "multipart/" in content_type else limit)
    if "multipart/form-data" not in content_type:
        if not raw.strip():
            raise ImportValidationFailed(
                'Import validation failed: the request is empty; send the file as multipart field "file" '
                "or the JSON document as the body."
            )
        return raw

    async def replay() -> Message:
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_part_size=limit + 1)
    except Exception as exc:  # malformed multipart framing
        raise ImportValidationFailed(
            f"Import validation failed: the multipart body could not be read ({exc}); "
            'send the file as field "file", e.g. curl -F "file=@preset.json".'
        ) from None
    try:  # the form's files are spooled to temporary files: closed here, not when collected
        upload = form.get("file")
        if upload is None:
            raise ImportValidationFailed(
                'Import validation failed: no multipart field "file"; send it as curl -F "file=@preset.json".'
            )
        data = await upload.read() if isinstance(upload, UploadFile) else str(upload).encode()
    finally:
        await form.close()
    if len(data) > limit:
        raise PayloadTooLarge(_too_large(limit))
    return data


@router.post(
    "/import",
    response_model=PresetImported | ImportResult,
    status_code=status.HTTP_201_CREATED,
    summary="Import presets from a file",
    description='One file as multipart field "file", or the file\'s JSON as the body. '
    'All presets of the file are imported or none. A one-preset file ("preset") is answered with the '
    'preset itself (201; 200 when on_conflict=skip kept the one here), a bundle ("presets") with a '
    "summary (ImportResult).",
    openapi_extra=IMPORT_BODY,
    responses={200: {"model": PresetImported, "description": "on_conflict=skip: the preset here, unchanged"}},
)
async def import_presets(
    request: Request,
    settings: SettingsDep,
    actor: ActorDep,
    on_conflict: OnConflict = "error",
) -> Response:
    raw = await _import_payload(request, settings.max_import_bytes)
    factory = request.app.state.session_factory

    def work() -> Response:
        session = factory()
        try:
            try:
                outcome = service.import_file(session, raw, actor, on_conflict)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            # After the commit: the answer (20,000 presets for a large bundle) is built without
            # holding the write lock.
            return _import_answer(session, outcome)
        finally:
            session.close()

    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work)


def _import_answer(session: Session, outcome: service.ImportOutcome) -> Response:
    if outcome.bundle:
        answer: PresetImported | ImportResult = ImportResult(
            imported=[PresetRead.model_validate(p) for p in outcome.presets(session)],
            skipped=outcome.skipped,
            renamed=outcome.renamed,
            notes=outcome.notes,
        )
        code = status.HTTP_201_CREATED
    else:
        renamed_from = next(iter(outcome.renamed), None)
        answer = PresetImported.model_validate(outcome.preset(session)).model_copy(
            update={"skipped": bool(outcome.skipped), "renamed_from": renamed_from, "notes": outcome.notes}
        )
        code = status.HTTP_200_OK if outcome.skipped else status.HTTP_201_CREATED
    body = answer.model_dump_json().encode()
    return Response(body, status_code=code, media_type="application/json")


@reads.get(
    "/{preset_id:preset_ref}",
    response_model=PresetRead,
    summary="Get a preset by id or slug (its version is also the ETag)",
)
async def get_preset(reader: PresetReaderDep, request: Request, preset_id: str) -> Response:
    cache = request.app.state.preset_list_cache
    body, version = await reader.run(lambda session, actor: cache.one_json(session, actor, preset_id))
    return Response(content=body, media_type="application/json", headers={"ETag": etag(version)})


@router.put(
    "/{preset_id:preset_ref}",
    response_model=PresetSaved,
    summary="Update a preset: a new version; If-Match (or 'version') refuses a stale change with 412",
)
def update_preset(
    session: SessionDep,
    actor: ActorDep,
    preset_id: str,
    data: PresetUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> PresetSaved:
    saved = service.update_preset(session, preset_id, data, actor, expected=expected_versions(if_match))
    response.headers["ETag"] = etag(saved.preset.version)
    return saved.read()


@router.delete(
    "/{preset_id:preset_ref}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a preset (one that others extend: 409, or cascade=detach)",
)
def delete_preset(
    session: SessionDep,
    actor: ActorDep,
    preset_id: str,
    if_match: IfMatch = None,
    version: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="The version it was loaded at (as If-Match).")
    ] = None,
    cascade: Annotated[
        Literal["detach"] | None,
        Query(
            description="detach: the presets extending it get the values it gave copied into their own parameters "
            "(a new version each) and stop extending it."
        ),
    ] = None,
) -> Response:
    expected = expected_versions(if_match)
    if version is not None:
        expected = {version} if expected is None else expected & {version}
        if not expected:
            raise ValidationFailed("The If-Match header and 'version' disagree: send the version you loaded once.")
    service.delete_preset(session, preset_id, actor, expected=expected, cascade=cascade)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{preset_id:preset_ref}/sharing",
    response_model=PresetRead,
    summary="Share a preset: private, with teams, or public (its owner or an admin)",
)
def share_preset(session: SessionDep, actor: ActorDep, preset_id: str, data: Sharing) -> ParameterPreset:
    return service.share_preset(session, preset_id, data, actor)


@router.post(
    "/{preset_id:preset_ref}/duplicate",
    response_model=PresetSaved,
    status_code=status.HTTP_201_CREATED,
    summary="Copy a preset one may read into a private one of one's own",
)
def duplicate_preset(
    session: SessionDep, actor: ActorDep, preset_id: str, data: PresetDuplicate | None = None
) -> PresetSaved:
    return service.duplicate_preset(session, preset_id, actor, data.name if data else None).read()


@router.get(
    "/{preset_id:preset_ref}/export",
    response_model=PresetExport | PresetBundle,
    summary="Export a preset as a JSON file (with_bases: and every preset it extends)",
)
def export_preset(
    session: SessionDep,
    actor: ActorDep,
    preset_id: str,
    with_bases: Annotated[bool, Query(description="Bundle the presets it extends, bases first.")] = False,
) -> JSONResponse:
    preset = service.get_preset(session, preset_id, actor)
    document = service.export_with_bases(preset, actor) if with_bases else service.export_preset(preset)
    return JSONResponse(
        document.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="preset-{preset.slug}.json"'},
    )


# --- history --------------------------------------------------------------------------------


@router.get(
    "/{preset_id:preset_ref}/versions",
    response_model=PresetVersionPage,
    summary="A preset's versions, newest first (paged)",
)
def list_versions(
    session: SessionDep,
    actor: ActorDep,
    preset_id: str,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=history.MAX_PAGE)] = 50,
) -> PresetVersionPage:
    return history.list_versions(session, preset_id, actor, offset=offset, limit=limit)


@router.get(
    "/{preset_id:preset_ref}/versions/{number}",
    response_model=PresetVersionRead,
    summary="One version of a preset: every field as it was",
)
def get_version(session: SessionDep, actor: ActorDep, preset_id: str, number: VersionNumber) -> PresetVersionRead:
    return history.get_version(session, preset_id, number, actor)


@router.get(
    "/{preset_id:preset_ref}/versions/{a}/diff/{b}",
    response_model=PresetVersionDiff,
    summary="What changed from version a to version b: parameters added, removed and changed, and fields",
)
def diff_versions(
    session: SessionDep, actor: ActorDep, preset_id: str, a: VersionNumber, b: VersionNumber
) -> PresetVersionDiff:
    return history.diff_versions(session, preset_id, a, b, actor)


@router.post(
    "/{preset_id:preset_ref}/versions/{number}/restore",
    response_model=PresetSaved,
    summary="Restore a version: a new version equal to it (history is never rewritten)",
)
def restore_version(
    session: SessionDep,
    actor: ActorDep,
    preset_id: str,
    number: VersionNumber,
    response: Response,
    data: PresetRestore | None = None,
    if_match: IfMatch = None,
) -> PresetSaved:
    expected = expected_versions(if_match)
    if data is not None and data.version is not None:
        if expected is not None and data.version not in expected:
            raise ValidationFailed("The If-Match header and 'version' disagree: send the version you loaded once.")
        expected = {data.version}
    saved = history.restore_version(
        session, preset_id, number, actor, note=data.change_note if data else None, expected=expected
    )
    response.headers["ETag"] = etag(saved.preset.version)
    return saved.read()


@router.get(
    "/suggest/models",
    response_model=list[ModelShapeRead],
    summary="The built-in table of model shapes a suggestion can start from",
)
def suggest_models() -> list[ModelShapeRead]:
    """Common open models' shapes, copied from their config.json on the Hugging Face Hub (each row
    names its source). No network is used."""
    return [ModelShapeRead(**shape.as_dict()) for shape in known_models()]


@router.post("/suggest", response_model=Suggestion, summary="Suggest a parameter space for a model and hardware")
def suggest_space(session: SessionDep, actor: ActorDep, data: SuggestRequest) -> Suggestion:
    """A parameter space with a reason for every value, from a memory model (tp-size, memory
    fraction, concurrency, prefill chunk) and from the values that won in similar past tasks; and
    the existing presets ranked by how they did there. A model that fits at no tp-size is a 422."""
    return suggest(session, actor, data)


@router.get(
    "/{preset_id:preset_ref}/analytics",
    response_model=PresetAnalytics,
    summary="How a preset's values fared in the tasks made with it",
)
def get_preset_analytics(session: SessionDep, actor: ActorDep, preset_id: str) -> PresetAnalytics:
    """Tasks and experiments by version, best and median score per context, wins, trend over
    versions, and the other presets used in the same tasks (only tasks the caller may read)."""
    return preset_analytics(session, preset_id, actor)


def route_words() -> set[str]:
    """Every fixed word of this module's paths (merge, import, export, versions, diff, ...)."""
    words: set[str] = set()
    for route in (*router.routes, *reads.routes):
        path = getattr(route, "path", "")
        words.update(part for part in path.removeprefix(router.prefix).split("/") if part and "{" not in part)
    return words


# A preset named like a route word ("merge") gets the slug "preset-merge", reachable by its slug.
service.reserve_slugs(route_words())
