"""/api/presets: CRUD, merge, import and export."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import UploadFile
from starlette.types import Message

from autotuner.core.enums import EngineRuntime, Visibility
from autotuner.core.errors import ImportValidationFailed, PayloadTooLarge
from autotuner.db.models import ParameterPreset
from autotuner.presets import service
from autotuner.presets.schemas import (
    ImportResult,
    MergeRequest,
    MergeResponse,
    OnConflict,
    PresetCreate,
    PresetDuplicate,
    PresetExport,
    PresetRead,
    PresetSaved,
    PresetUpdate,
    Sharing,
)
from autotuner.web.deps import ActorDep, SessionDep, SettingsDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter


class PresetRef(Convertor[str]):
    """A preset id or slug: any path segment except this router's own words (merge, import), so
    that e.g. ``GET /api/presets/merge`` is a 405 naming POST, not a 404 for a slug 'merge'."""

    regex = r"(?!(?:merge|import)$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("preset_ref", PresetRef())

router = SlashTolerantRouter(prefix="/api/presets", tags=["presets"], responses=ERROR_RESPONSES)


@router.get("/", response_model=list[PresetRead], summary="List presets")
def list_presets(
    session: SessionDep,
    actor: ActorDep,
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
    body = request.app.state.preset_list_cache.list_json(
        session,
        actor,
        category=category,
        is_system=is_system,
        runtime=runtime,
        q=q,
        mine=mine,
        team=team,
        visibility=visibility,
    )
    return Response(content=body, media_type="application/json")


@router.post("/", response_model=PresetSaved, status_code=status.HTTP_201_CREATED, summary="Create a preset")
def create_preset(session: SessionDep, actor: ActorDep, data: PresetCreate) -> PresetSaved:
    return service.create_preset(session, data, actor).read()


@router.post("/merge", response_model=MergeResponse, summary="Merge several presets")
def merge_presets(session: SessionDep, actor: ActorDep, data: MergeRequest) -> MergeResponse:
    return service.merge_report(
        *service.merge_presets(session, data.preset_ids, data.merge_strategy, data.overrides, actor=actor)
    )


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
            "application/json": {"schema": {"$ref": "#/components/schemas/PresetExport"}},
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
    upload = form.get("file")
    if upload is None:
        raise ImportValidationFailed(
            'Import validation failed: no multipart field "file"; send it as curl -F "file=@preset.json".'
        )
    if isinstance(upload, UploadFile):
        data = await upload.read()
    else:
        data = str(upload).encode()
    if len(data) > limit:
        raise PayloadTooLarge(_too_large(limit))
    return data


@router.post(
    "/import",
    response_model=ImportResult,
    status_code=status.HTTP_201_CREATED,
    summary="Import presets from a file",
    description='One file as multipart field "file", or the file\'s JSON as the body. '
    "All presets of the file are imported or none.",
    openapi_extra=IMPORT_BODY,
)
async def import_presets(
    request: Request,
    settings: SettingsDep,
    actor: ActorDep,
    on_conflict: OnConflict = "error",
) -> ImportResult:
    raw = await _import_payload(request, settings.max_import_bytes)
    factory = request.app.state.session_factory

    def work() -> ImportResult:
        from autotuner.db.session import session_scope

        with session_scope(factory) as session:
            imported, skipped, renamed = service.import_presets(session, raw, actor, on_conflict)
            return ImportResult(
                imported=[PresetRead.model_validate(p) for p in imported], skipped=skipped, renamed=renamed
            )

    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work)


@router.get("/{preset_id:preset_ref}", response_model=PresetRead, summary="Get a preset by id or slug")
def get_preset(session: SessionDep, actor: ActorDep, preset_id: str) -> ParameterPreset:
    return service.get_preset(session, preset_id, actor)


@router.put("/{preset_id:preset_ref}", response_model=PresetSaved, summary="Update a preset")
def update_preset(session: SessionDep, actor: ActorDep, preset_id: str, data: PresetUpdate) -> PresetSaved:
    return service.update_preset(session, preset_id, data, actor).read()


@router.delete("/{preset_id:preset_ref}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a preset")
def delete_preset(session: SessionDep, actor: ActorDep, preset_id: str) -> Response:
    service.delete_preset(session, preset_id, actor)
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


@router.get("/{preset_id:preset_ref}/export", response_model=PresetExport, summary="Export a preset as a JSON file")
def export_preset(session: SessionDep, actor: ActorDep, preset_id: str) -> JSONResponse:
    preset = service.get_preset(session, preset_id, actor)
    document = service.export_preset(preset)
    return JSONResponse(
        document.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="preset-{preset.slug}.json"'},
    )
