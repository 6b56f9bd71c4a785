"""Whether a kept-alive connection left idle is still open, told from its socket without a round trip."""

import select
from typing import Protocol


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


def idle_socket_readable(sock: int | _HasFileno) -> bool:
    """Whether an idle connection's socket has something to read, or cannot be asked.

    A healthy idle connection has nothing waiting. One its peer closed (a
    restart, a timeout) or sent an error to has an end of file or bytes waiting;
    a broken descriptor cannot be polled. Callers treat True as "check or
    replace it". poll, not select: a busy process may hold descriptors past
    select's limit of 1024; where there is no poll, nothing can be told.
    """
    if not hasattr(select, "poll"):
        return True
    poller = select.poll()
    try:
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True
