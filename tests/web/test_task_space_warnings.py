"""A task whose space the catalog's rules leave empty is accepted, and says so at creation."""

from __future__ import annotations

from support.factories import create_task


def test_a_space_with_no_valid_combination_is_accepted_with_a_warning(client):
    task = create_task(client, parameters={"tp-size": [4, 8]}, gpus=2)
    assert task["combinations"] == 2
    [warning] = [w for w in task["warnings"] if w.startswith("None of the ")]
    assert warning.startswith("None of the 2 combinations of the space passes the catalog's rules: ")
    assert warning.endswith("change the parameters or 'gpus' before starting it.")
    assert client.get(f"/api/tasks/{task['id']}").json()["warnings"] == task["warnings"]

    fixed = client.put(f"/api/tasks/{task['id']}", json={"gpus": 8})
    assert fixed.status_code == 200, fixed.text
    assert not [w for w in fixed.json()["warnings"] if w.startswith("None of the ")]


def test_a_space_with_valid_combinations_has_no_such_warning(client):
    task = create_task(client, parameters={"tp-size": [1, 2]}, gpus=2)
    assert task["warnings"] == []
