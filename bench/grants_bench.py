"""Grants benchmark: anonymous applications through the API, and a reviewer's first page at 10,000 requests.

    python bench/grants_bench.py [--requests N] [--seconds S]

Creates a database of its own on the configured server (as bench/ledger_bench.py
does), migrates it, opens a fund for grants, then measures serial anonymous
applications through the WSGI application (`request_submit_per_s`, throttle
lifted) and, with N requests in the system (default 10,000) and a few hundred
of them assigned to one reviewer, the latency of that reviewer's first page
(`reviewer_queue_ms`), then seals data into 10,000 of them, closes them past the
retention period and times `shred_requests`' work (`shred_10k_s`). Prints one JSON
line per figure; progress goes to stderr.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, Python looks in bench/ first: config and the apps are here

import bench.ledger_bench as bench  # noqa: E402

ASSIGNED = 300


def database(sql: str) -> None:
    """CREATE or DROP DATABASE as the server's superuser the test settings log in as."""
    from django.db import connections

    connections.close_all()
    with connections["default"].cursor() as cursor:
        cursor.execute("SET ROLE NONE")
        cursor.execute(sql)
    connections.close_all()


def open_fund() -> int:
    from grants.services import grant_fund_rules_set
    from ledger.services import chart_of_accounts_create, fund_create

    chart_of_accounts_create(currencies=["EUR"])
    fund = fund_create(code="bench-relief", name="Bench relief", restricted=True)
    grant_fund_rules_set(fund_id=fund.pk, currency="EUR", max_per_request=100_000)
    return fund.pk


def submit_rate(fund_id: int, seconds: float) -> float:
    from rest_framework.test import APIClient

    client = APIClient()
    body = {"fund": fund_id, "category": "housing", "country": "KE", "amount": "120.00", "currency": "EUR"}
    for _ in range(20):  # warm up
        client.post("/api/v1/grants/requests/anonymous/", body, format="json")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.post("/api/v1/grants/requests/anonymous/", body, format="json")
        assert response.status_code == 201, response.content
        count += 1
    return count / (time.perf_counter() - started)


def fill(fund_id: int, total: int) -> None:
    """Bring the system to `total` requests, written in bulk (their content does not matter here)."""
    import base64
    import secrets

    from django.utils import timezone

    from grants.models import GrantRequest

    missing = total - GrantRequest.objects.count()
    now = timezone.now()
    GrantRequest.objects.bulk_create(
        (
            GrantRequest(
                reference="GR-" + base64.b32encode(secrets.token_bytes(10)).decode(),
                claim_code_hash=secrets.token_bytes(32),
                fund_id=fund_id,
                category="food",
                country="UG",
                currency="EUR",
                amount_requested=5_000,
                status="submitted",
                submitted_at=now,
            )
            for _ in range(max(missing, 0))
        ),
        batch_size=2_000,
    )


def reviewer_queue(repetitions: int) -> float:
    from django.db import connection
    from rest_framework.test import APIClient

    from grants.models import Assignment, GrantRequest
    from tests.factories import TOTPDeviceFactory, UserFactory, token_for
    from users.services import user_role_assign

    reviewer, admin = UserFactory(username="bench-reviewer"), UserFactory(username="bench-admin")
    user_role_assign(user=reviewer, role="reviewer")
    picked = GrantRequest.objects.order_by("?").values_list("pk", flat=True)[:ASSIGNED]
    Assignment.objects.bulk_create(
        Assignment(request_id=pk, reviewer=reviewer, assigned_by=admin) for pk in picked
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE grants_grantrequest, grants_assignment")
    client = APIClient()
    # Reviewers read requesters' narratives: their tokens must have passed the second factor.
    device = TOTPDeviceFactory(user=reviewer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer, device).key}")
    median, _p95 = bench.latency(lambda: client.get("/api/v1/grants/requests/"), repetitions)
    response = client.get("/api/v1/grants/requests/")
    assert response.status_code == 200 and response.json()["count"] == ASSIGNED, response.content
    return median


def shred_time(fund_id: int, count: int) -> float:
    """Seconds to crypto-shred `count` requests closed past their retention period, each with sealed data."""
    import base64
    import datetime
    import secrets

    from django.utils import timezone

    from grants.identity import identity_seal
    from grants.models import GrantRequest
    from grants.services import grant_requests_shred_expired

    long_ago = timezone.now() - datetime.timedelta(days=3650)
    rows = []
    for _ in range(count):
        row = GrantRequest(
            reference="GR-" + base64.b32encode(secrets.token_bytes(10)).decode(),
            claim_code_hash=secrets.token_bytes(32),
            fund_id=fund_id,
            category="medical",
            country="KE",
            currency="EUR",
            amount_requested=5_000,
            status="closed",
            submitted_at=long_ago,
            closed_at=long_ago,
        )
        identity_seal(request=row, values={"narrative": "bench narrative", "contact_handle": "bench"})
        rows.append(row)
    GrantRequest.objects.bulk_create(rows, batch_size=1_000)
    started = time.perf_counter()
    shredded = grant_requests_shred_expired()
    elapsed = time.perf_counter() - started
    assert shredded == count, shredded
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=10_000, help="requests in the system for the queue")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the application run")
    parser.add_argument("--keep", action="store_true", help="keep the database (for profiling)")
    args = parser.parse_args()

    os.environ.setdefault("GRANTS_APPLY_RATE", "1000000/second")
    bench.django_setup()
    from django.conf import settings

    admin_name = settings.DATABASES["default"]["NAME"]
    db_name = f"tadamun_bench_grants_{os.getpid()}"
    database(f'CREATE DATABASE "{db_name}" OWNER tadamun_owner')
    bench.log(f"created database {db_name}")
    try:
        for alias in ("default", "owner"):
            settings.DATABASES[alias]["NAME"] = db_name
            settings.DATABASES[alias]["CONN_MAX_AGE"] = None
        settings.ALLOWED_HOSTS = ["testserver"]
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        fund_id = open_fund()
        rate = submit_rate(fund_id, args.seconds)
        bench.log(f"anonymous applications: {rate:,.0f}/s")
        fill(fund_id, args.requests)
        queue_ms = reviewer_queue(200)
        bench.log(f"reviewer's first page with {args.requests:,} requests: median {queue_ms:.1f} ms")
        shred_s = shred_time(fund_id, 10_000)
        bench.log(f"crypto-shredding 10,000 closed requests: {shred_s:.2f} s")
        bench.emit("request_submit_per_s", rate, "requests/s")
        bench.emit("reviewer_queue_ms", queue_ms, "ms")
        bench.emit("shred_10k_s", shred_s, "s")
    finally:
        if args.keep:
            bench.log(f"kept database {db_name}")
        else:
            for alias in ("default", "owner"):
                settings.DATABASES[alias]["NAME"] = admin_name
            database(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            bench.log(f"dropped database {db_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
