"""An unreachable or misspelt Ray cluster is one sentence at start, never a hang (no cluster runs
here: these come after test_ray_executor.py, whose cluster is stopped by then)."""

from __future__ import annotations

import pytest
from support.cli import run
from support.ports import free_port_in

from autotuner.core.settings import Settings
from autotuner.runs.executors import ExecutorUnavailable, make_executor

pytestmark = [pytest.mark.ray]


def test_serve_with_an_unreachable_cluster_says_so_at_start(tmp_path):
    port = free_port_in(range(6500, 6520))  # nothing listens there
    result = run("serve", "--executor", "ray", "--ray-address", f"ray://127.0.0.1:{port}", ok=False, columns=80)
    assert result.exit_code != 0
    text = " ".join(result.output.split())
    assert f"The Ray cluster at ray://127.0.0.1:{port} does not answer" in text, result.output
    assert "--ray-address" in text


@pytest.mark.parametrize("address", ["head", "ray://head:port", "http://"])
def test_a_malformed_address_is_refused(address, tmp_path):
    settings = Settings(data_dir=tmp_path, executor="ray", ray_address=address)
    with pytest.raises(ExecutorUnavailable, match="is not auto, host:port or ray://host:port"):
        make_executor(settings)


def test_the_local_executor_needs_no_ray(tmp_path):
    assert make_executor(Settings(data_dir=tmp_path)) is None


def test_an_unknown_executor_is_refused():
    result = run("worker", "--executor", "dask", ok=False, columns=80)
    assert result.exit_code != 0
    assert "Unknown executor 'dask': use local or ray." in " ".join(result.output.split())
