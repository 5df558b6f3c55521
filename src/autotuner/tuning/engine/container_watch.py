"""The watcher that removes a service's containers when the service goes away, even by SIGKILL.

``python -m autotuner.tuning.engine.container_watch OWNER`` (started by
:func:`autotuner.tuning.engine.containers.ensure_watcher`) blocks reading its stdin, the read end
of a pipe whose write end only the service holds. The kernel closes that end when the service
exits in any way, the read returns end-of-file, and the watcher removes every container labelled
``autotuner.owner=OWNER``, then exits. It ignores SIGINT, SIGTERM and SIGHUP so that a signal
meant for the service cannot stop it first.
"""

from __future__ import annotations

import signal
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m autotuner.tuning.engine.container_watch OWNER", file=sys.stderr)
        return 2
    owner = argv[0]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while sys.stdin.buffer.read(65536):
        pass
    from autotuner.tuning.engine.containers import LABEL_OWNER, DockerUnavailable, connect, remove_containers

    for _attempt in range(3):  # the daemon may be busy; a few tries, then give up
        try:
            client = connect(timeout=60)
            try:
                remove_containers(client, {"label": f"{LABEL_OWNER}={owner}"})
                return 0
            finally:
                client.close()
        except DockerUnavailable:
            time.sleep(1.0)
        except Exception:
            time.sleep(1.0)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
