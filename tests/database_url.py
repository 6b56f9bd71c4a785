"""The test database as a DATABASE_URL, for subprocesses that must use it (never the embedded server)."""

from urllib.parse import quote, urlencode

from django.db import connection


def current_database_url() -> str:
    """A postgres:// URL naming the test database this session created."""
    params = connection.get_connection_params()
    user = quote(params.get("user") or "", safe="")
    password = params.get("password")
    auth = f"{user}:{quote(password, safe='')}@" if password else f"{user}@"
    host = params.get("host") or ""
    port = f":{params['port']}" if params.get("port") else ""
    name = quote(params["dbname"], safe="")
    # The tests log in as a superuser and take the runtime role with these options.
    query = {"options": params["options"]} if params.get("options") else {}
    if host.startswith("/"):  # a Unix socket directory
        query = {"host": host, **query}
        host = ""
    suffix = f"?{urlencode(query, quote_via=quote)}" if query else ""
    return f"postgres://{auth}{host}{port}/{name}{suffix}"
