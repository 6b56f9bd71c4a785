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
