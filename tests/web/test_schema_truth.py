"""The schema tells the truth on the preset and task endpoints: schemathesis with every check,
positive_data_acceptance included (a schema-valid request is not refused with 4xx), finds nothing.

Business rules the schema cannot state (a taken name: 409; a preset or task that does not exist:
404; the refusals listed in STATEFUL_REFUSALS, which depend on what is stored) are documented
answers, not failures. Text the databases cannot store (NUL) is left out of
the generated strings: tests/web/test_api_schema.py checks its refusal on every body.
Cost: about 30 examples per operation, well under a minute on an idle machine.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance
from support.accounts import make_token, make_user
from support.databases import TEST_DATABASE_URL, postgres_schema_url, schemathesis_examples

from autotuner.core.settings import Settings
from autotuner.web.app import create_app

pytestmark = pytest.mark.db

_tmp = Path(tempfile.mkdtemp(prefix="autotuner-schema-truth-"))
if TEST_DATABASE_URL:
    _database = postgres_schema_url(TEST_DATABASE_URL)
    _url = next(_database)
else:
    _database = None
    _url = f"sqlite:///{_tmp / 'autotuner.db'}"

app = create_app(
    Settings(
        data_dir=_tmp, database_url=_url, ui_dir=_tmp / "no-ui", embedded_worker=False, allowed_hosts=["testserver"]
    )
)
_admin = make_user(app, "truth-admin", admin=True)
AUTHORIZED = {"Authorization": f"Bearer {make_token(app, _admin)}", "X-Autotuner-CSRF": "1"}
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"allow-x00": False},
        # An event stream is read up to its first event, not to the read timeout (see test_api_schema.py).
        "max-stream-events": 1,
        # 412: a stale 'version' (the preset changed since) is an answer about state.
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409", "412"]}},
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG).include(
    path_regex=r"^/api/(presets|tasks)/"
)

# Per operation; fewer on the PostgreSQL pass of scripts/test.sh (see support.databases).
EXAMPLES = schemathesis_examples(30)


@pytest.fixture(scope="module", autouse=True)
def _drop_database():
    yield
    app.state.engine.dispose()
    if _database is not None:
        next(_database, None)


# Refusals that depend on what is stored, or on text the schema cannot describe: a schema-valid
# request may get them, and each says what to do. Every other 422 on a schema-valid request fails.
STATEFUL_REFUSALS = re.compile(
    "|".join(
        [
            r"^Cannot extend .*: no preset with that id or slug",  # 'extends' names presets that exist
            r"which is neither in the file nor on this service",  # so does an imported preset's
            r"^No team with id",  # sharing names teams that exist
            r"^Cannot resolve '.*': no selected preset holds it",  # resolutions name the presets' parameters
            r"^Import validation failed: the file is not (UTF-8 text|valid JSON)",  # a multipart part's content
            r"^The 'command' runtime runs any program",  # the operator's setting, not the schema's
            r"^The If-Match header and 'version' disagree",  # two inputs that must name one version
            r"^Preset .* is listed more than once",  # an id and its slug (or 1 and "1") name one preset
            r"which cannot be stored: remove it",  # NUL in text: tests/web/test_api_schema.py covers it
            r"extend one another in a cycle|the file holds two presets named",  # relations between a file's presets
            r"^There is no \w+ catalog of version",  # runtime_version names a catalog this service holds
            r"^The task file cannot be imported: ",  # the body of /api/tasks/import is a file of another tool
            # The values of parallel/quantization words are checked against the runtime's catalog.
            r"^Invalid parameters: '(quantization|kv-cache-dtype|[a-z-]+-size)' value",
            r"^The grid holds \d+ combinations, more than max_iterations",  # a product of the value counts
            r"^Traffic scenario '.*' is not understood",  # a grammar (D/N/U), not a pattern the schema states
            r"^A command runtime's flags are its own",  # parallel/quantization words need an engine's runtime
            r"^llama\.cpp (runs one process|takes its weights)",  # ... and one that has such flags
            # Suggestions: a model of the built-in table, a config.json on the server's disk, the
            # scenario's grammar, this machine's GPUs, and whether the model fits on them.
            r"is not in the built-in table of models|is not a genai-bench scenario|takes (one|two) pairs?",
            r"is not a \.json file|cannot be read: give the path|is not a file: give|larger than 1 MB|is not valid JSON",
            r"^No GPU was found on this machine|needs \d+ GB of weights",
        ]
    )
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)
def test_preset_and_task_endpoints_accept_what_their_schema_allows(case):
    # An admin's token; as the UI does, every change carries the CSRF header.
    response = case.call(headers=AUTHORIZED)
    stateful = response.status_code in (403, 422) and STATEFUL_REFUSALS.search(response.json()["detail"])
    case.validate_response(response, excluded_checks=[positive_data_acceptance] if stateful else [])
