"""gunicorn settings: threaded workers that keep connections alive, sized from the environment."""

import os

# A thread waits on PostgreSQL while another of its worker runs Python; threaded
# workers also keep connections alive, where sync workers close each after one
# request. WEB_CONCURRENCY is gunicorn's own variable for the worker count.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 5
# The workers' heartbeat files: in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (a folder, not a file)
