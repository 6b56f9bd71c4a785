"""DATABASES from the environment: the runtime role the app runs as, and the owner role that migrates.

- DATABASE_URL: the runtime role (reads and inserts the books, nothing more).
- DATABASE_OWNER_URL: the role that owns the schema and runs migrations;
  `manage.py migrate` uses it. Without it, one role does both (the system
  check reports that as an error under production settings).
- Neither: an embedded PostgreSQL in a data folder of this checkout, with both
  roles made for it (tadamun_app and tadamun_owner).
"""

from pathlib import Path
from typing import Any

import environ

RUNTIME_ROLE = "tadamun_app"
OWNER_ROLE = "tadamun_owner"


def _config(env: environ.Env, url: str) -> dict[str, Any]:
    config = env.db_url_config(url)
    # Django's backend, with a cheaper health check of kept connections (config/postgresql).
    config["ENGINE"] = "config.postgresql"
    return config


def databases(
    env: environ.Env, data_dir: Path, *, testing: bool = False
) -> tuple[dict[str, Any], str | None]:
    """(DATABASES, the runtime role's name when it differs from the owner's)."""
    url, owner_url = env("DATABASE_URL", default=""), env("DATABASE_OWNER_URL", default="")
    if url and owner_url:
        default, owner = _config(env, url), _config(env, owner_url)
        runtime = default["USER"] if default["USER"] != owner["USER"] else None
        return {"default": default, "owner": owner}, runtime
    if url and not testing:
        return {"default": _config(env, url)}, None
    if url:
        admin_url = url  # the tests need a superuser: they make both roles on its server
    else:
        from config.embedded_pg import embedded_database_url

        admin_url = embedded_database_url(data_dir)
    return _role_databases(env, admin_url, testing=testing), RUNTIME_ROLE


def _role_databases(env: environ.Env, admin_url: str, *, testing: bool) -> dict[str, Any]:
    """Both roles on a server reached as a superuser, which makes them if they are missing.

    The tests log in as that superuser and take the role with SET ROLE at
    connection start (what they run, the role's privileges decide); the tests
    that play a superuser tampering with the books switch back with SET ROLE NONE.
    """
    from config.embedded_pg import roles_ensure

    roles_ensure(admin_url, runtime=RUNTIME_ROLE, owner=OWNER_ROLE)
    result = {}
    for alias, role in (("default", RUNTIME_ROLE), ("owner", OWNER_ROLE)):
        config = _config(env, admin_url)
        if testing:
            config.setdefault("OPTIONS", {})["options"] = f"-c role={role}"
        else:
            config["USER"], config["PASSWORD"] = role, ""
        result[alias] = config
    return result
