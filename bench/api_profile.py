"""Profile API requests in process: the queries each one makes, and where its Python time goes.

    python bench/api_profile.py [--requests N] [--top K] [--sort tottime|cumulative]

Sets up a database of its own as bench/api_bench.py does (EUR chart, a
treasurer with a token), then sends requests through Django's test client with
the token, as gunicorn would hand them to the WSGI handler: POST
/api/v1/ledger/entries/ with a fresh Idempotency-Key each time, and GET
/api/v1/ledger/accounts/{id}/. For each it prints the SQL of one request
(the posting call goes through libpq directly and is not among them), the
time and the CPU time of N requests, then a cProfile of N more, top K
functions. The CPU time of this process is the steadier figure on a shared
machine. The database is dropped at the end.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid

from api_bench import CURRENCY, set_up, staff_token
from ledger_bench import admin_database, create_database, django_setup, drop_database, log, use_database


def requests_make(treasurer_token: str) -> dict:
    """name -> a function sending one request and returning its response."""
    from django.test import Client

    from ledger.models import Account, Fund

    client = Client(
        SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {treasurer_token}", HTTP_ACCEPT="application/json"
    )
    accounts = {a.role: a.pk for a in Account.objects.filter(currency=CURRENCY)}
    fund = Fund.objects.get(code="general").pk
    body = json.dumps(
        {
            "date": "2026-11-20",
            "memo": "api profile",
            "postings": [
                {"account": accounts["stripe_clearing"], "fund": fund, "amount": "12.50"},
                {"account": accounts["donations_income"], "fund": fund, "amount": "-12.50"},
            ],
        }
    )

    def post_entry():
        response = client.post(
            "/api/v1/ledger/entries/",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 201, response.content
        return response

    def get_account():
        response = client.get(f"/api/v1/ledger/accounts/{accounts['stripe_clearing']}/")
        assert response.status_code == 200, response.content
        return response

    return {"POST /api/v1/ledger/entries/": post_entry, "GET /api/v1/ledger/accounts/{id}/": get_account}


def token_get() -> str:
    """The treasurer's token past the second factor (the password hashed as in production)."""
    from django.conf import global_settings
    from django.test import Client
    from django.test.utils import override_settings

    client = Client(SERVER_NAME="127.0.0.1")

    def post(path: str, body: dict, token: str | None) -> dict:
        headers = {"Authorization": f"Token {token}"} if token else {}
        response = client.post(path, body, content_type="application/json", headers=headers)
        assert response.status_code < 300, response.content
        return response.json()

    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        return staff_token(post)


def profile(name: str, send, requests: int, top: int, sort: str, callers: str | None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(20):  # warm up: imports, prepared statements, caches
        send()
    with CaptureQueriesContext(connection) as queries:
        send()
    print(f"\n=== {name}: {len(queries.captured_queries)} queries through Django")
    for query in queries.captured_queries:
        print("  ", " ".join(query["sql"].split())[:300])
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        send()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"=== {name}: {wall / requests * 1000:.2f} ms each, of which {cpu / requests * 1000:.2f} ms "
        "of this process's CPU (the rest is waiting for PostgreSQL, or for a busy machine)"
    )
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        send()
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"=== {name}: {requests} requests, {elapsed / requests * 1000:.2f} ms each under cProfile")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    print(
        f"=== {name}: {stats.total_calls / requests:,.0f} Python function calls per request "
        "(steady however busy the machine is)"
    )
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    if callers:
        stats.print_callers(callers)
    text = out.getvalue()
    print(text[text.index("   ncalls") :] if "   ncalls" in text else text)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--callers", help="also print who calls the functions matching this pattern")
    parser.add_argument("--only", choices=["post", "get"], help="profile one request kind")
    args = parser.parse_args()

    django_setup()
    from django.conf import settings

    admin_name = admin_database(settings.DATABASES["default"]["NAME"])
    db_name = f"tadamun_apiprofile_{os.getpid()}"
    create_database(db_name)
    try:
        use_database(db_name)  # and keep the connection open, as a gunicorn worker does
        set_up()
        senders = requests_make(token_get())
        for name, send in senders.items():
            if args.only and not name.lower().startswith(args.only):
                continue
            profile(name, send, args.requests, args.top, args.sort, args.callers)
    finally:
        drop_database(db_name, admin_name)
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
