"""The device pool: where its devices come from, what an experiment's placement gives a local
engine and a container, fair sharing between tasks, and cancelled waits."""

from __future__ import annotations

import threading

import pytest
from support.processes import wait_for

from autotuner.core.errors import ValidationFailed
from autotuner.tuning.engine.errors import LaunchError
from autotuner.tuning.engine.gpus import DevicePool, Placement, engine_environment, pool_from_environment


def test_gpus_fixed_by_the_environment_win_over_slots():
    pool = pool_from_environment({"AUTOTUNER_GPUS": "2, 3,5", "AUTOTUNER_SLOTS": "8"})
    assert (pool.kind, pool.source, pool.devices, pool.per_gpu) == ("gpu", "AUTOTUNER_GPUS", ["2", "3", "5"], True)


def test_declared_slots_and_the_default_single_slot():
    pool = pool_from_environment({"AUTOTUNER_SLOTS": "4"})
    assert (pool.kind, pool.size, pool.devices[0], pool.demand(2)) == ("slot", 4, "slot-0", 2)
    default = pool_from_environment({})
    assert (default.size, default.source, default.demand(8)) == (1, "default", 1)


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"AUTOTUNER_GPUS": "0,a"}, "AUTOTUNER_GPUS='0,a' is not a list of distinct GPU indices"),
        ({"AUTOTUNER_GPUS": "1,1"}, "AUTOTUNER_GPUS='1,1' is not a list of distinct GPU indices"),
        ({"AUTOTUNER_SLOTS": "0"}, "AUTOTUNER_SLOTS='0' is not a number of slots from 1 to 1024"),
        ({"AUTOTUNER_SLOTS": "four"}, "AUTOTUNER_SLOTS='four' is not a number of slots"),
    ],
)
def test_a_malformed_pool_setting_is_one_sentence(env, sentence):
    with pytest.raises(ValidationFailed) as info:
        pool_from_environment(env)
    assert info.value.message.startswith(sentence)


def test_a_placement_is_what_a_process_and_a_container_get():
    pool = DevicePool(["4", "5", "6", "7"], "gpu", "test")
    first = pool.acquire(2, group=1)
    second = pool.acquire(2, group=1)
    assert first == Placement("gpu", ("4", "5")) and second == Placement("gpu", ("6", "7"))
    assert engine_environment({"tp-size": 2}, "sglang", placement=second)["CUDA_VISIBLE_DEVICES"] == "6,7"
    assert second.gpu_ids == ["6", "7"]  # a container's device request
    slots = DevicePool(["slot-0"], "slot", "test").acquire(1, group=1)
    assert slots is not None and slots.gpu_ids == [] and slots.environment() == {}
    pool.release(first)
    assert pool.acquire(1, group=2) == Placement("gpu", ("4",))


def test_more_gpus_than_the_pool_holds_is_refused_with_a_sentence():
    with pytest.raises(LaunchError) as info:
        DevicePool(["0", "1"], "gpu", "test").acquire(4, group=1)
    assert info.value.message.startswith("These parameters need 4 GPUs but the pool holds only 2 GPUs")


def test_waiting_tasks_are_served_fewest_devices_first():
    """Task 1 holds the whole pool and asks for more; task 2 holds nothing and asks after it. As
    task 1 frees devices, task 2 is served first until they hold the same."""
    pool = DevicePool([f"slot-{i}" for i in range(4)], "slot", "test")
    held = {1: [pool.acquire(1, group=1) for _ in range(4)], 2: []}
    granted: list[int] = []
    lock = threading.Lock()

    def ask(group: int) -> None:
        placement = pool.acquire(1, group=group)
        with lock:
            granted.append(group)
            held[group].append(placement)

    waiters = [threading.Thread(target=ask, args=(1,)) for _ in range(2)]
    for thread in waiters:
        thread.start()
    wait_for(lambda: len(pool._waiting) == 2, "task 1's requests to wait")
    waiters += [threading.Thread(target=ask, args=(2,)) for _ in range(2)]
    for thread in waiters[2:]:
        thread.start()
    wait_for(lambda: len(pool._waiting) == 4, "task 2's requests to wait")
    for _ in range(4):
        with lock:
            placement = held[1].pop(0)
        count = len(granted)
        pool.release(placement)
        wait_for(lambda n=count: len(granted) == n + 1, "a grant")
    for thread in waiters:
        thread.join()
    assert granted == [2, 2, 1, 1]
    assert pool.in_use() == 4


def test_a_cancelled_wait_returns_none_and_takes_nothing():
    pool = DevicePool(["slot-0"], "slot", "test")
    holder = pool.acquire(1, group=1)
    cancel = threading.Event()
    result: list[Placement | None] = []
    waiter = threading.Thread(target=lambda: result.append(pool.acquire(1, group=2, cancel_event=cancel)))
    waiter.start()
    wait_for(lambda: pool._waiting, "the wait")
    cancel.set()
    pool.wake()
    waiter.join(10)
    assert result == [None] and pool._waiting == []
    pool.release(holder)
    assert pool.in_use() == 0
