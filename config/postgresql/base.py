"""Django's PostgreSQL backend, with a persistent connection's health checked without a round trip.

With CONN_HEALTH_CHECKS, Django checks a kept connection before each request
uses it by sending ``SELECT 1``. A server that ends a session (a restart, a
failover, pg_terminate_backend, idle_session_timeout) sends an error and closes
the socket, so a connection it dropped has bytes or an end of file waiting to be
read, while a healthy idle one has nothing. Polling the socket tells the two
apart with one system call; only when something is waiting does the check fall
back to Django's ``SELECT 1``, which reads it and decides.
"""

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from core.sockets import idle_socket_readable


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        return not idle_socket_readable(connection) or super().is_usable()
