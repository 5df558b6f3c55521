"""Failed sign-ins and token uses, counted in memory per remote address and per user name.

After ``max_failures`` failures within ``window`` seconds under one key, every attempt under that
key is refused (429, even with the right password) until the oldest failure leaves the window.
The counts live in the service's process: a restart forgets them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from autotuner.core.errors import TooManyAttempts

MAX_FAILURES = 10
WINDOW_SECONDS = 300.0
# Keys remembered at most (addresses and names seen failing); the least recent go first.
MAX_KEYS = 10_000
SIGN_INS = "failed sign-ins from this address or for this user name"
TOKEN_USES = "refused API tokens from this address"


class FailureLimiter:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait_seconds(self, *keys: str) -> int:
        """Seconds until an attempt under every one of ``keys`` is allowed again (0: now)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    longest = max(longest, times[-self.max_failures] + self.window - now)
        return int(longest) + 1 if longest > 0 else 0

    def check(self, *keys: str, what: str = SIGN_INS) -> None:
        """Raise :class:`TooManyAttempts` when any of ``keys`` has failed too often lately."""
        wait = self.wait_seconds(*keys)
        if wait:
            raise TooManyAttempts(f"Too many {what}: try again in {wait} seconds.", retry_after=wait)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def forget(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


# Sign-ins and tokens are counted apart: a password mistyped in the browser does not stop the
# same machine's scripts, whose tokens are not typed.
def sign_in_keys(remote_addr: str | None, username: str) -> tuple[str, str]:
    """The keys of a sign-in: its address and the user name tried."""
    return f"sign-in address:{remote_addr or 'unknown'}", sign_in_user_key(username)


def sign_in_user_key(username: str) -> str:
    return f"sign-in user:{username.strip().lower()}"


def token_key(remote_addr: str | None) -> str:
    """The key of a token use: its address."""
    return f"token address:{remote_addr or 'unknown'}"
