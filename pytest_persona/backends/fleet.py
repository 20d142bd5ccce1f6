"""A client-side fleet: requests spread over server replicas, standard library threads only.

Each replica takes up to ``concurrency`` requests at a time; a request goes to the replica with
the fewest outstanding (ties to the first named), and one that fails with a connection error or
a 5xx moves to a replica it has not tried (greedy, seeded requests are idempotent). A replica
that fails ``SET_ASIDE_AFTER`` times in a row is set aside for ``SET_ASIDE_S`` seconds and then
tried again; it is still used as a last resort, so a case fails only when every replica failed.
Replies come back in request order and each request is answered once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

SET_ASIDE_AFTER = 3
SET_ASIDE_S = 10.0


class TransportError(Exception):
    """A failure another replica might not have (connection, timeout, 5xx)."""


@dataclass
class Replica:
    url: str
    outstanding: int = 0
    sent: int = 0
    answered: int = 0
    errors: int = 0
    failures_in_a_row: int = 0
    set_aside_until: float = 0.0

    def stats(self) -> dict[str, Any]:
        return {"url": self.url, "requests": self.sent, "answered": self.answered, "errors": self.errors}


class Fleet:
    def __init__(self, urls: Sequence[str], concurrency: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.replicas = [Replica(url) for url in urls]
        self.concurrency = max(1, concurrency)
        self._clock = clock
        self._ready = threading.Condition()

    def _acquire(self, tried: set[int]) -> Replica | None:
        """The least busy replica this request has not tried (healthy ones first); None when none is left."""
        with self._ready:
            while True:
                untried = [i for i in range(len(self.replicas)) if i not in tried]
                if not untried:
                    return None
                now = self._clock()
                healthy = [i for i in untried if self.replicas[i].set_aside_until <= now]
                pool = healthy or untried  # set-aside replicas only when nothing else is left
                free = [i for i in pool if self.replicas[i].outstanding < self.concurrency]
                if free:
                    index = min(free, key=lambda i: (self.replicas[i].outstanding, i))
                    chosen = self.replicas[index]
                    chosen.outstanding += 1
                    chosen.sent += 1
                    tried.add(index)
                    return chosen
                self._ready.wait(0.05)

    def _release(self, replica: Replica, ok: bool) -> None:
        with self._ready:
            replica.outstanding -= 1
            if ok:
                replica.answered += 1
                replica.failures_in_a_row = 0
            else:
                replica.errors += 1
                replica.failures_in_a_row += 1
                if replica.failures_in_a_row >= SET_ASIDE_AFTER:
                    replica.set_aside_until = self._clock() + SET_ASIDE_S
            self._ready.notify_all()

    def run(
        self,
        requests: Sequence[Any],
        send: Callable[[str, Any], Any],
        failed: Callable[[Any, list[str]], Any],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Any]:
        """``send(url, request)`` answers or raises TransportError; ``failed(request, errors)`` makes
        the reply of a request every replica failed. Progress is (done, tokens) as replies arrive."""
        replies: list[Any] = [None] * len(requests)
        next_index = iter(range(len(requests)))
        lock = threading.Lock()
        done = [0, 0]

        def answer(index: int) -> Any:
            tried: set[int] = set()
            errors: list[str] = []
            while (replica := self._acquire(tried)) is not None:
                try:
                    reply = send(replica.url, requests[index])
                except TransportError as exc:
                    self._release(replica, ok=False)
                    errors.append(str(exc))
                    continue
                self._release(replica, ok=True)
                return reply
            return failed(requests[index], errors)

        def work() -> None:
            while True:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                reply = answer(index)
                with lock:
                    replies[index] = reply
                    done[0] += 1
                    done[1] += getattr(reply, "tokens", None) or 0
                    if progress is not None:
                        progress(done[0], done[1])

        workers = [
            threading.Thread(target=work, daemon=True)
            for _ in range(min(len(requests), len(self.replicas) * self.concurrency))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return replies

    def stats(self) -> list[dict[str, Any]]:
        return [replica.stats() for replica in self.replicas]
