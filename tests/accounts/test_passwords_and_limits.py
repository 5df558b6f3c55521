"""Password hashing (Argon2id) and the failure limiter, on their own."""

from __future__ import annotations

import pytest

from autotuner.accounts import passwords
from autotuner.accounts.ratelimit import FailureLimiter, sign_in_keys, token_key
from autotuner.core.errors import TooManyAttempts, ValidationFailed


def test_a_password_is_stored_as_an_argon2id_hash_that_verifies():
    stored = passwords.hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert passwords.verify_password(stored, "correct horse")
    assert not passwords.verify_password(stored, "correct horsf")
    # The same password hashes differently each time (a random salt).
    assert passwords.hash_password("correct horse") != stored
    assert not passwords.needs_rehash(stored)


def test_an_unknown_user_is_checked_against_a_stand_in_and_refused():
    assert passwords.verify_password(None, "anything at all") is False
    assert passwords.verify_password("not a hash", "anything at all") is False
    assert passwords.verify_password(passwords.hash_password("12345678"), "x" * 5000) is False


@pytest.mark.parametrize(
    ("password", "start"),
    [
        ("abc1234", "The password is too short"),
        ("x" * 1025, "The password is too long"),
        (" " * 9, "The password is only"),
    ],
)
def test_password_rules_refuse_with_a_sentence_that_does_not_repeat_it(password, start):
    with pytest.raises(ValidationFailed) as caught:
        passwords.hash_password(password)
    assert caught.value.message.startswith(start)
    assert password.strip() == "" or password not in caught.value.message


def test_the_limiter_refuses_after_the_allowed_failures_until_they_leave_the_window():
    # A clock the test moves (the limiter's own is time.monotonic): the window passes without a wait.
    now = [1000.0]
    limiter = FailureLimiter(max_failures=3, window=0.5, clock=lambda: now[0])
    keys = sign_in_keys("10.0.0.1", "Alice")
    for _ in range(3):
        limiter.check(*keys)
        limiter.failed(*keys)
    with pytest.raises(TooManyAttempts) as caught:
        limiter.check(*keys)
    assert caught.value.status_code == 429 and 1 <= caught.value.retry_after <= 1
    assert caught.value.message.startswith("Too many failed sign-ins from this address or for this user name")
    assert caught.value.headers == {"Retry-After": str(caught.value.retry_after)}
    # The same user name from another address is refused too, another name from elsewhere is not,
    # and token uses from the same address are counted apart.
    with pytest.raises(TooManyAttempts):
        limiter.check(*sign_in_keys("10.0.0.2", "alice"))
    limiter.check(*sign_in_keys("10.0.0.2", "bob"))
    limiter.check(token_key("10.0.0.1"))
    now[0] += 0.49  # the failures are still in the window
    with pytest.raises(TooManyAttempts):
        limiter.check(*keys)
    now[0] += 0.02  # now they have left it
    limiter.check(*keys)


def test_forgetting_a_key_and_the_bound_on_remembered_keys():
    limiter = FailureLimiter(max_failures=1, window=60, max_keys=2)
    limiter.failed("a")
    with pytest.raises(TooManyAttempts):
        limiter.check("a")
    limiter.forget("a")
    limiter.check("a")
    for key in ("b", "c", "d"):
        limiter.failed(key)
    limiter.check("b")  # the oldest key was dropped to keep two
    with pytest.raises(TooManyAttempts):
        limiter.check("d")
