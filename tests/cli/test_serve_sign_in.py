"""``autotuner serve`` and sign-in: a public address is refused while no user exists (unless
--insecure, which warns), and a real server never writes a secret to its log or its output."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from support.cli import run
from support.processes import wait_for

from autotuner.cli.service import loopback_host


def test_loopback_hosts():
    assert all(loopback_host(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(loopback_host(h) for h in ("0.0.0.0", "::", "10.1.2.3", "tuner.example.com", ""))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "tuner.example.com"])
def test_serve_refuses_a_public_address_while_no_user_exists(cli_env, host):
    refused = run("serve", "--host", host, "--port", "1", ok=False)
    assert refused.exit_code == 1
    sentence = " ".join(refused.stderr.split())
    assert f"Refusing to listen on {host}: this service has no users yet" in sentence
    assert "or pass --insecure" in sentence


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(*args: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**os.environ, "AUTOTUNER_EMBEDDED_WORKER": "false", "AUTOTUNER_HOST": "", "AUTOTUNER_PORT": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "autotuner.cli.main", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.communicate()}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/auth/me", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(answers, "the service to answer", timeout=60, interval=0.2)
    return process, port


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.terminate()
    try:
        return process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


@pytest.mark.slow
def test_insecure_serves_a_public_address_and_warns(cli_env):
    process, port = start_serve("--host", "0.0.0.0", "--insecure")
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/api/presets/").status_code == 200
    finally:
        _, err = stop(process)
    assert "INSECURE: listening on 0.0.0.0 with no users and --insecure" in " ".join(err.split())


@pytest.mark.slow
def test_a_real_server_writes_no_secret_to_its_log_or_output(cli_env):
    password = "the-admin-password"
    run("users", "create", "root", "--admin", "--password-stdin", input=password + "\n")
    # With a user, a public address needs no --insecure: everyone signs in.
    process, port = start_serve("--host", "0.0.0.0")
    base = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(f"{base}/api/presets/").status_code == 401
        with httpx.Client(base_url=base) as browser:
            assert (
                browser.post("/api/auth/login", json={"username": "root", "password": "wrong-guess"}).status_code == 401
            )
            login = browser.post("/api/auth/login", json={"username": "root", "password": password})
            assert login.status_code == 200
            cookie = browser.cookies["autotuner_session"]
            created = browser.post("/api/tokens/", json={"name": "ci"}, headers={"X-Autotuner-CSRF": "1"})
            secret = created.json()["secret"]
        bearer = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(f"{base}/api/presets/", headers=bearer).status_code == 200
        token_id = created.json()["token"]["id"]
        assert httpx.delete(f"{base}/api/tokens/{token_id}", headers=bearer).status_code == 204
        assert httpx.get(f"{base}/api/presets/", headers=bearer).status_code == 401
        assert httpx.get(f"{base}/api/presets/", headers={"Authorization": "Bearer att_wrong"}).status_code == 401
    finally:
        out, err = stop(process)
    log = (Path(cli_env.log_dir) / "worker.log").read_text()
    everything = log + out + err
    assert "Failed sign-in for user 'root'" in log and "Refused an API token" in log
    assert "POST /api/auth/login" in everything  # the access log was captured
    for what, value in {
        "password": password,
        "wrong password": "wrong-guess",
        "token": secret,
        "cookie": cookie,
    }.items():
        assert value not in everything, f"the {what} was written to the log or the output"
