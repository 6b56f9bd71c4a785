"""gunicorn settings: threaded workers that keep connections alive, sized from the environment."""

import os


def _cores() -> int:
    """The cores this process may run on (its affinity, which containers set), or the machine's."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 2


# A thread waits on PostgreSQL while another of its worker runs Python; threaded
# workers also keep connections alive, where sync workers close each after one
# request. Each worker runs Python on one core at a time (the GIL), so one
# worker per core this process may use keeps every core busy without workers
# preempting each other; the threads cover the waits on the database.
# WEB_CONCURRENCY is gunicorn's own variable for the worker count.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "0")) or max(2, _cores())
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 5
# The workers' heartbeat files: in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (a folder, not a file)


def post_worker_init(worker: object) -> None:
    """Leave what a worker loads at start (Django, the apps, every view) out of full collections.

    Each request leaves its objects in reference cycles (request, view, response),
    so the collector runs often; every full pass walked the ~140,000 objects loaded
    at start, holding the GIL, and stalled all of the worker's threads meanwhile.
    Frozen, they are never walked again (they live as long as the worker anyway).
    """
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view, as the first request would)
    gc.collect()  # garbage frozen now would never be freed
    gc.freeze()
