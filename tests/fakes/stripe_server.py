"""A fake Stripe HTTP server on 127.0.0.1 for the tests, built from Stripe's own example objects.

It implements only the endpoints Tadamun calls, answers with Stripe-shaped
objects and records every request (method, path, form body, Idempotency-Key).
Tests drive what happens on Stripe's side (a payment, a refund, a dispute,
a payout) through its Python methods, which return the event Stripe would send.
"""

import copy
import hashlib
import hmac
import itertools
import json
import multiprocessing
import multiprocessing.process
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FIXTURES = json.loads((Path(__file__).parent / "stripe_fixtures.json").read_text())["resources"]

Obj = dict[str, Any]


def nested_form(pairs: list[tuple[str, str]]) -> Obj:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts; list indexes stay string keys."""
    result: Obj = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


def _listify(value: Any) -> Any:
    """{'0': x, '1': y} -> [x, y], recursively."""
    if isinstance(value, dict):
        if value and all(k.isdigit() for k in value):
            return [_listify(value[k]) for k in sorted(value, key=int)]
        return {k: _listify(v) for k, v in value.items()}
    return value


@dataclass
class Recorded:
    method: str
    path: str
    query: Obj
    form: Obj
    idempotency_key: str | None


@dataclass
class FakeStripe:
    """State of the fake Stripe account; `base_url` goes into settings.STRIPE_API_BASE."""

    base_url: str = ""
    objects: dict[str, Obj] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    idempotent: dict[tuple[str, str], bytes] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    counter: Any = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        with self.lock:
            self.objects.clear()
            self.requests.clear()
            self.idempotent.clear()

    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self.counter):08d}"

    def _new(self, kind: str, prefix: str, **fields: Any) -> Obj:
        obj = copy.deepcopy(FIXTURES[kind])
        obj.update(id=self._id(prefix), created=int(time.time()), livemode=False, **fields)
        self.objects[obj["id"]] = obj
        return obj

    def posts(self, path_prefix: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.startswith(path_prefix)]

    # --- the HTTP side -------------------------------------------------------

    def handle(self, method: str, path: str, query: Obj, form: Obj, key: str | None) -> tuple[int, bytes]:
        """The answer's status and JSON body, serialised under the lock: a snapshot of the state."""
        with self.lock:
            self.requests.append(Recorded(method, path, query, form, key))
            if key and method in ("POST", "DELETE") and (path, key) in self.idempotent:
                return 200, self.idempotent[(path, key)]
            status, body = self._route(method, path, query, form)
            payload = json.dumps(_public(body)).encode()
            if key and method in ("POST", "DELETE") and status == 200:
                self.idempotent[(path, key)] = payload
            return status, payload

    def _route(self, method: str, path: str, query: Obj, form: Obj) -> tuple[int, Obj]:
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        if method == "POST" and parts == ["checkout", "sessions"]:
            return 200, self._checkout_session_create(form)
        if method == "POST" and parts == ["refunds"]:
            if form.get("charge") not in self.objects:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
            amount = int(form["amount"]) if "amount" in form else None
            return 200, self._refund_create(form["charge"], amount, form.get("metadata", {}))
        if method == "DELETE" and len(parts) == 2 and parts[0] == "subscriptions":
            return self._found(parts[1], lambda sub: self._subscription_cancel(sub))
        if (
            method == "GET"
            and len(parts) == 1
            and parts[0] in ("refunds", "disputes", "balance_transactions")
        ):
            return 200, self._list(parts[0], query)
        if method == "GET" and parts and parts[-1] in self.objects:
            return 200, self._expanded(self.objects[parts[-1]], query)
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such {path}",
            }
        }

    def _found(self, object_id: str, action: Any) -> tuple[int, Obj]:
        if object_id not in self.objects:
            return 404, {
                "error": {"type": "invalid_request_error", "code": "resource_missing", "message": "nope"}
            }
        return 200, action(self.objects[object_id])

    def _expanded(self, obj: Obj, query: Obj) -> Obj:
        """The object with each `expand[]` path (dotted, as Stripe takes them) replaced by the object.

        A view for serialising under the lock: it shares the objects' parts, copying only the
        dicts along the paths, so nothing of the state changes.
        """
        paths = [
            path.split(".")
            for path in _listify(query.get("expand", {})) or []
            if not (path == "payments" and obj.get("object") == "invoice")  # always included here
        ]
        return self._expand(obj, paths)

    def _expand(self, node: Obj, paths: list[list[str]]) -> Obj:
        heads = {path[0] for path in paths if path}
        if not heads:
            return node
        node = dict(node)
        for head in heads:
            value = node.get(head)
            if isinstance(value, str) and value in self.objects:
                value = self.objects[value]
            if isinstance(value, dict):
                node[head] = self._expand(value, [path[1:] for path in paths if path and path[0] == head])
        return node

    def _list(self, resource: str, query: Obj) -> Obj:
        objects = {"refunds": "refund", "disputes": "dispute", "balance_transactions": "balance_transaction"}
        wanted = objects[resource]
        data = [o for o in self.objects.values() if o.get("object") == wanted]
        if "charge" in query:
            data = [o for o in data if o.get("charge") == query["charge"]]
        if "payout" in query:
            data = [o for o in data if o.get("_payout") == query["payout"]]
        return {"object": "list", "data": data, "has_more": False, "url": f"/v1/{resource}"}

    def _checkout_session_create(self, form: Obj) -> Obj:
        form = _listify(form)
        item = form["line_items"][0]
        price = item["price_data"]
        session = self._new(
            "checkout.session",
            "cs_test",
            mode=form["mode"],
            metadata=form.get("metadata", {}),
            client_reference_id=form.get("client_reference_id"),
            success_url=form["success_url"],
            cancel_url=form["cancel_url"],
            currency=price["currency"],
            amount_total=int(price["unit_amount"]) * int(item.get("quantity", 1)),
            amount_subtotal=int(price["unit_amount"]) * int(item.get("quantity", 1)),
            status="open",
            payment_status="unpaid",
            payment_intent=None,
            subscription=None,
            customer=None,
            customer_details=None,
            customer_email=None,
        )
        session["url"] = f"https://checkout.stripe.com/c/pay/{session['id']}"
        session["_intent_metadata"] = (form.get("payment_intent_data") or {}).get("metadata", {})
        session["_subscription_metadata"] = (form.get("subscription_data") or {}).get("metadata", {})
        return session

    def _subscription_cancel(self, subscription: Obj) -> Obj:
        subscription.update(status="canceled", canceled_at=int(time.time()), ended_at=int(time.time()))
        return subscription

    # --- what happens on Stripe's side, driven by the tests --------------------

    def event(self, type_: str, obj: Obj) -> Obj:
        event = copy.deepcopy(FIXTURES["event"])
        event.update(
            id=self._id("evt"),
            type=type_,
            created=int(time.time()),
            data={"object": copy.deepcopy(obj)},
            api_version="2026-10-28.endive",
        )
        return event

    def _balance_transaction(
        self, *, amount: int, fee: int, currency: str, type_: str, source: str, rate: str | None = None
    ) -> Obj:
        return self._new(
            "balance_transaction",
            "txn",
            amount=amount,
            fee=fee,
            net=amount - fee,
            currency=currency.lower(),
            type=type_,
            reporting_category=type_,
            source=source,
            # Stripe sends the rate as a JSON number.
            exchange_rate=float(Decimal(rate)) if rate else None,
            fee_details=[{"amount": fee, "currency": currency.lower(), "type": "stripe_fee"}] if fee else [],
            status="pending",
        )

    def _charge(
        self, *, amount: int, currency: str, settled: tuple[str, int, int], rate: str | None, metadata: Obj
    ) -> Obj:
        charge_id = self._id("ch")
        settlement_currency, gross, fee = settled
        bt = self._balance_transaction(
            amount=gross, fee=fee, currency=settlement_currency, type_="charge", source=charge_id, rate=rate
        )
        charge = copy.deepcopy(FIXTURES["charge"])
        charge.update(
            id=charge_id,
            amount=amount,
            amount_captured=amount,
            amount_refunded=0,
            currency=currency.lower(),
            balance_transaction=bt["id"],
            metadata=dict(metadata),
            status="succeeded",
            paid=True,
            captured=True,
            refunded=False,
            disputed=False,
            created=int(time.time()),
            # What Stripe knows about the payer; Tadamun must never keep it.
            billing_details={**charge["billing_details"], "email": "donor@example.org", "name": "Donor Name"},
            receipt_email="donor@example.org",
        )
        intent = self._new(
            "payment_intent",
            "pi",
            amount=amount,
            currency=currency.lower(),
            latest_charge=charge_id,
            status="succeeded",
            metadata=dict(metadata),
        )
        charge["payment_intent"] = intent["id"]
        self.objects[charge_id] = charge
        return charge

    def checkout_complete(
        self,
        session_id: str,
        *,
        settled: tuple[str, int, int] | None = None,
        rate: str | None = None,
        paid: bool = True,
    ) -> Obj:
        """The donor pays on Checkout. `settled` = (currency, gross, fee) in Stripe's units."""
        with self.lock:
            session = self.objects[session_id]
            session.update(
                status="complete",
                customer_details={"email": "donor@example.org", "name": "Donor Name"},
            )
            if session["mode"] == "subscription":
                subscription = self._new(
                    "subscription",
                    "sub",
                    status="active",
                    metadata=session["_subscription_metadata"],
                    currency=session["currency"],
                    canceled_at=None,
                    ended_at=None,
                    cancel_at=None,
                )
                subscription["_price"] = (session["amount_total"], session["currency"])
                session.update(subscription=subscription["id"], payment_status="paid")
            elif paid:
                settled = settled or (session["currency"], session["amount_total"], 0)
                charge = self._charge(
                    amount=session["amount_total"],
                    currency=session["currency"],
                    settled=settled,
                    rate=rate,
                    metadata=session["_intent_metadata"],
                )
                session.update(payment_intent=charge["payment_intent"], payment_status="paid")
            else:
                session.update(payment_status="unpaid")
            return self.event("checkout.session.completed", session)

    def checkout_expire(self, session_id: str) -> Obj:
        """The donor never paid: the session expires (after 24 hours at Stripe)."""
        with self.lock:
            session = self.objects[session_id]
            session.update(status="expired", url=None)
            return self.event("checkout.session.expired", session)

    def checkout_async_fail(self, session_id: str) -> Obj:
        """A bank debit started on Checkout bounced."""
        with self.lock:
            return self.event("checkout.session.async_payment_failed", self.objects[session_id])

    def invoice_pay(
        self,
        subscription_id: str,
        *,
        settled: tuple[str, int, int] | None = None,
        rate: str | None = None,
        fail: bool = False,
    ) -> Obj:
        """A monthly invoice of the subscription is paid (or its payment fails)."""
        with self.lock:
            subscription = self.objects[subscription_id]
            amount, currency = subscription["_price"]
            invoice = self._new(
                "invoice",
                "in",
                amount_due=amount,
                amount_paid=0 if fail else amount,
                currency=currency,
                customer_email=None,
                customer_name=None,
                status="open" if fail else "paid",
                parent={
                    "type": "subscription_details",
                    "quote_details": None,
                    "subscription_details": {
                        "subscription": subscription_id,
                        "metadata": subscription["metadata"],
                    },
                },
                payments={"object": "list", "data": [], "has_more": False, "url": "/v1/invoice_payments"},
            )
            if fail:
                subscription["status"] = "past_due"
                return self.event("invoice.payment_failed", invoice)
            settled = settled or (currency, amount, 0)
            # Stripe does not copy the subscription's metadata to its charges.
            charge = self._charge(amount=amount, currency=currency, settled=settled, rate=rate, metadata={})
            payment = copy.deepcopy(FIXTURES["invoice_payment"])
            payment.update(
                id=self._id("inpay"),
                object="invoice_payment",
                invoice=invoice["id"],
                amount_paid=amount,
                currency=currency,
                status="paid",
                payment={"type": "payment_intent", "payment_intent": charge["payment_intent"]},
            )
            invoice["payments"]["data"].append(payment)
            subscription["status"] = "active"
            return self.event("invoice.paid", invoice)

    def subscription_delete(self, subscription_id: str) -> Obj:
        with self.lock:
            return self.event(
                "customer.subscription.deleted", self._subscription_cancel(self.objects[subscription_id])
            )

    def refund(self, charge_id: str, amount: int | None = None) -> Obj:
        """Refund `amount` of the charge (presentment units), all of it by default."""
        with self.lock:
            self._refund_create(charge_id, amount, {})
            return self.event("charge.refunded", self.objects[charge_id])

    def _refund_create(self, charge_id: str, amount: int | None, metadata: Obj) -> Obj:
        with self.lock:
            charge = self.objects[charge_id]
            amount = amount if amount is not None else charge["amount"] - charge["amount_refunded"]
            settled = self.objects[charge["balance_transaction"]]
            gross = settled["amount"] * amount // charge["amount"]
            refund = self._new(
                "refund",
                "re",
                amount=amount,
                charge=charge_id,
                currency=charge["currency"],
                status="succeeded",
                payment_intent=charge["payment_intent"],
                failure_balance_transaction=None,
                metadata=metadata,
            )
            bt = self._balance_transaction(
                amount=-gross, fee=0, currency=settled["currency"], type_="refund", source=refund["id"]
            )
            refund["balance_transaction"] = bt["id"]
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return refund

    def refunds_of(self, charge_id: str) -> list[str]:
        return [
            o["id"] for o in self.objects.values() if o.get("object") == "refund" and o["charge"] == charge_id
        ]

    def refund_fail(self, refund_id: str) -> Obj:
        """The refund bounced (the card was closed): the money comes back to the Stripe balance."""
        with self.lock:
            refund = self.objects[refund_id]
            bt = self.objects[refund["balance_transaction"]]
            back = self._balance_transaction(
                amount=-bt["amount"], fee=0, currency=bt["currency"], type_="refund_failure", source=refund_id
            )
            refund.update(
                status="failed",
                failure_balance_transaction=back["id"],
                failure_reason="expired_or_canceled_card",
            )
            charge = self.objects[refund["charge"]]
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = False
            return self.event("refund.failed", refund)

    def dispute(self, charge_id: str, *, fee: int = 1500) -> Obj:
        """The cardholder disputes the charge: Stripe withdraws the amount and a dispute fee."""
        with self.lock:
            charge = self.objects[charge_id]
            settled = self.objects[charge["balance_transaction"]]
            dispute = self._new(
                "dispute",
                "dp",
                amount=charge["amount"],
                charge=charge_id,
                currency=charge["currency"],
                status="needs_response",
                payment_intent=charge["payment_intent"],
            )
            withdrawal = self._balance_transaction(
                amount=-settled["amount"],
                fee=fee,
                currency=settled["currency"],
                type_="adjustment",
                source=dispute["id"],
            )
            dispute["balance_transactions"] = [copy.deepcopy(withdrawal)]
            charge["disputed"] = True
            return self.event("charge.dispute.created", dispute)

    def dispute_close(self, dispute_id: str, *, won: bool) -> Obj:
        """The dispute ends; when won, the amount and the fee come back."""
        with self.lock:
            dispute = self.objects[dispute_id]
            if won:
                withdrawal = dispute["balance_transactions"][0]
                back = self._balance_transaction(
                    amount=-withdrawal["amount"],
                    fee=-withdrawal["fee"],
                    currency=withdrawal["currency"],
                    type_="adjustment",
                    source=dispute_id,
                )
                dispute["balance_transactions"].append(copy.deepcopy(back))
            dispute["status"] = "won" if won else "lost"
            return self.event("charge.dispute.closed", dispute)

    def payout(self, *, currency: str, balance_transactions: list[str], status: str = "paid") -> Obj:
        """Stripe pays the net of these balance transactions out to the bank."""
        with self.lock:
            amount = sum(self.objects[bt]["net"] for bt in balance_transactions)
            payout = self._new(
                "payout",
                "po",
                amount=amount,
                currency=currency.lower(),
                status=status,
                arrival_date=int(time.time()),
                failure_balance_transaction=None,
            )
            for bt in balance_transactions:
                self.objects[bt]["_payout"] = payout["id"]
            own = self._balance_transaction(
                amount=-amount, fee=0, currency=currency, type_="payout", source=payout["id"]
            )
            own["_payout"] = payout["id"]
            payout["balance_transaction"] = own["id"]
            return self.event(f"payout.{status}", payout)

    def payout_fail(self, payout_id: str) -> Obj:
        with self.lock:
            payout = self.objects[payout_id]
            payout.update(status="failed", failure_code="account_closed")
            return self.event("payout.failed", payout)


def _public(value: Any) -> Any:
    """Without the fake's own bookkeeping keys (those starting with `_`)."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header exactly as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def serve(fake: FakeStripe) -> ThreadingHTTPServer:
    """Start the fake on a free port of 127.0.0.1 in a daemon thread."""
    server = _server(fake)
    threading.Thread(target=server.serve_forever, name="fake-stripe", daemon=True).start()
    return server


def serve_in_process(fake: FakeStripe) -> multiprocessing.process.BaseProcess:
    """Serve a copy of the fake's current state from a process of its own, for benchmarks.

    The copy answers reads; what it is asked to change stays in the copy. In
    its own process the fake shares no interpreter lock with the benchmark's
    senders, so what is measured is the code under test. Terminate it when done.
    """
    server = _server(fake)
    process = multiprocessing.get_context("fork").Process(
        target=server.serve_forever, name="fake-stripe", daemon=True
    )
    process.start()
    server.server_close()  # the child listens on its copy of the socket
    return process


def _server(fake: FakeStripe) -> ThreadingHTTPServer:

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Stripe's API is
        disable_nagle_algorithm = True  # headers and body go out as two writes

        def _answer(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            query = nested_form(parse_qsl(url.query, keep_blank_values=True))
            form = nested_form(parse_qsl(body, keep_blank_values=True))
            status, payload = fake.handle(
                self.command, url.path, query, form, self.headers.get("Idempotency-Key")
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_fake{len(fake.requests)}")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    return server
