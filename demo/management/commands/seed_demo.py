"""Load the demo: chart, funds, one user per role, a month of activity, grant requests; local runs only."""

import datetime
import uuid
from argparse import ArgumentParser

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from grants.demo import grants_demo_seed
from ledger.api import (
    EntrySpec,
    PostingSpec,
    SourceRef,
    currency_convert,
    entry_post,
    fund_transfer,
    ledger_seal,
)
from ledger.models import Account, AccountRole, EntryKind, Fund
from ledger.services import chart_of_accounts_create, fund_create
from payouts.demo import demo_payer, payouts_demo_propose
from pledges.demo import card_gift_disputed_seed
from pledges.models import Campaign
from pledges.services import (
    campaign_create,
    contribution_match,
    contribution_record,
    contribution_refund_record,
    donor_profile_update,
    pledge_create,
)
from users.roles import SECOND_FACTOR_ROLES, Role
from users.services import otp_device_confirm, otp_device_enrol, roles_ensure, token_issue, user_role_assign

DEMO_NAMESPACE = uuid.UUID("6f1c2a52-3a5e-4a7b-9d4c-7a1d0e6b2c11")
DEMO_USERS = (
    ("demo-admin", Role.ADMIN),
    ("demo-treasurer", Role.TREASURER),
    ("demo-treasurer-2", Role.TREASURER),
    ("demo-auditor", Role.AUDITOR),
    ("demo-reviewer", Role.REVIEWER),
    ("demo-reviewer-2", Role.REVIEWER),
    ("demo-donor", Role.DONOR),
    ("demo-requester", Role.REQUESTER),
)


FORCE_FLAG = "--i-know-this-is-not-production"
DANGER = (
    "seed_demo creates a superuser 'demo-admin' and treasurers whose passwords are their usernames, "
    "prints every demo user's API token, and posts demo entries that the append-only ledger can never "
    "delete."
)


def _key(name: str) -> uuid.UUID:
    """Deterministic idempotency keys: running the seed twice replays, never duplicates."""
    return uuid.uuid5(DEMO_NAMESPACE, name)


class Command(BaseCommand):
    help = (
        "Create demo funds, users (printing their API tokens) and ledger activity; safe to rerun. "
        f"Refuses to run with DEBUG off unless given {FORCE_FLAG}."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            FORCE_FLAG,
            action="store_true",
            dest="not_production",
            help="Run even though DEBUG is off (a throwaway staging copy, never production).",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            if not options["not_production"]:
                raise CommandError(
                    f"DEBUG is off, so this may be production. {DANGER} Refused; pass "
                    f"{FORCE_FLAG} if this database is a throwaway copy."
                )
            self.stderr.write(
                self.style.WARNING(f"WARNING: DEBUG is off and {FORCE_FLAG} was given. {DANGER}")
            )
        with transaction.atomic():
            roles_ensure()
            tokens = self._users()
            funds = self._funds()
            self._activity(funds)
            self._giving()
            self._grants(funds)
        result = ledger_seal(wait=True)
        self.stdout.write("demo users (password = username) and API tokens:")
        for username, role, token, otp_uri in tokens:
            self.stdout.write(f"  {username:18} {role:10} Authorization: Token {token}")
            if otp_uri:
                self.stdout.write(f"  {'':18} {'':10} authenticator (for /admin/): {otp_uri}")
        self.stdout.write(f"ledger sealed up to sequence {result.head_seq} ({result.head_hash.hex()[:16]}…)")

    def _users(self) -> list[tuple[str, str, str, str]]:
        user_model = get_user_model()
        rows = []
        for username, role in DEMO_USERS:
            user, created = user_model.objects.get_or_create(username=username)
            if created:
                user.set_password(username)
                user.is_staff = role == Role.ADMIN
                user.is_superuser = role == Role.ADMIN
                user.save()
            user_role_assign(user=user, role=role)
            issued = token_issue(user=user) if role not in SECOND_FACTOR_ROLES else None
            otp_uri = ""
            if issued is None:
                # Staff need a second factor: enrol a fresh authenticator as the API
                # does, confirm it with its current code, and print it for the admin.
                TOTPDevice.objects.filter(user=user).delete()
                issued = token_issue(user=user)
                enrolment = otp_device_enrol(user=user)
                device = TOTPDevice.objects.get(pk=enrolment.device_id)
                code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
                otp_device_confirm(user=user, otp=code, token=issued.token)
                otp_uri = enrolment.provisioning_uri
            rows.append((username, str(role), issued.key, otp_uri))
        return rows

    def _funds(self) -> dict[str, Fund]:
        chart_of_accounts_create(currencies=["EUR", "USD", "GBP"])
        for code, name in (
            ("rent-relief", "Rent relief"),
            ("trans-healthcare", "Trans healthcare"),
        ):
            if not Fund.objects.filter(code=code).exists():
                fund_create(code=code, name=name, restricted=True)
        return {f.code: f for f in Fund.objects.all()}

    def _giving(self) -> None:
        """Two campaigns; anonymous and a donor's pledges in four currencies, received; a bank refund,
        money matched to its pledge later, and a card gift disputed and lost."""
        if Campaign.objects.filter(slug="legal-aid").exists():
            return
        start = datetime.date(2026, 10, 1)
        legal = campaign_create(
            slug="legal-aid",
            title={
                "en": "Legal aid",
                "ar": "المساعدة القانونية",
                "es": "Ayuda legal",
                "fr": "Aide juridique",
            },
            description={"en": "Lawyers for people charged for who they are."},
            goal_amount=2_000_000,
            goal_currency="EUR",
            starts_on=start,
        )
        shelter = campaign_create(
            slug="winter-shelter",
            title={"en": "Winter shelter", "fr": "Abri d'hiver"},
            goal_amount=1_500_000,
            goal_currency="USD",
            starts_on=start,
        )
        user_model = get_user_model()
        donor = user_model.objects.get(username="demo-donor")
        treasurer = user_model.objects.get(username="demo-treasurer")
        # A donor who chose to be named on the campaigns they gave to; no e-mail, so no receipt mail.
        donor_profile_update(
            donor=donor,
            changes={"country": "DE", "currency": "EUR", "display_name": "Demo Donor", "show_name": True},
        )
        gifts = (  # (campaign, donor or anonymous, amount, currency, frequency, received on day)
            (legal, None, 5000, "EUR", "once", 3),
            (legal, donor, 2500, "EUR", "monthly", 5),
            (shelter, None, 10000, "USD", "once", 7),
            (shelter, donor, 4000, "GBP", "once", 9),
        )
        received = []
        for number, (campaign, giver, amount, currency, frequency, day) in enumerate(gifts):
            pledge = pledge_create(
                campaign_slug=campaign.slug,
                amount=amount,
                currency=currency,
                frequency=frequency,
                method="bank_transfer",
                donor=giver,
            )
            contribution, _new = contribution_record(
                idempotency_key=_key(f"gift-{number}"),
                method="bank_transfer",
                amount=amount,
                currency=currency,
                received_on=start + datetime.timedelta(days=day),
                reference=pledge.reference,
                campaign_slug=None,
                recorded_by=treasurer,
            )
            received.append(contribution)
        # Part of a transfer given back to the donor, by the bank.
        contribution_refund_record(
            contribution_id=received[2].public_id,
            amount=2500,
            refunded_on=start + datetime.timedelta(days=12),
            idempotency_key=_key("refund-0"),
            recorded_by=treasurer,
        )
        # A transfer that quoted no reference waits in the unmatched list until the
        # treasurer finds its pledge, which belongs to the other campaign.
        pledge = pledge_create(
            campaign_slug=shelter.slug,
            amount=3000,
            currency="EUR",
            frequency="once",
            method="bank_transfer",
            donor=None,
        )
        unmatched, _new = contribution_record(
            idempotency_key=_key("gift-unreferenced"),
            method="bank_transfer",
            amount=3000,
            currency="EUR",
            received_on=start + datetime.timedelta(days=14),
            reference="",
            campaign_slug=legal.slug,
            recorded_by=treasurer,
        )
        contribution_match(
            contribution_id=unmatched.public_id, reference=pledge.reference, matched_by=treasurer
        )
        # A card gift in pesos, settled in dollars, disputed and lost.
        card_gift_disputed_seed(campaign_slug=shelter.slug, paid_on=start + datetime.timedelta(days=10))

    def _grants(self, funds: dict[str, Fund]) -> None:
        users = {
            user.username: user for user in get_user_model().objects.filter(username__startswith="demo-")
        }
        approved = grants_demo_seed(
            fund_ids={code: fund.pk for code, fund in funds.items()},
            requester=users["demo-requester"],
            reviewers=[users["demo-reviewer"], users["demo-reviewer-2"]],
            admin=users["demo-admin"],
            pay=demo_payer(treasurer=users["demo-treasurer"]),
        )
        # One approved grant waits for demo-treasurer-2 to approve its payout.
        for reference in approved:
            payouts_demo_propose(grant_reference=reference, treasurer=users["demo-treasurer"])

    def _activity(self, funds: dict[str, Fund]) -> None:
        def acct(role: str, currency: str) -> Account:
            return Account.objects.get(role=role, currency=currency)

        start = datetime.date(2026, 10, 1)
        contributions = [
            # (day, fund, currency, gross, fee) in minor units
            (1, "rent-relief", "EUR", 5000, 175),
            (2, "general", "USD", 2500, 103),
            (3, "trans-healthcare", "GBP", 10000, 170),
            (5, "rent-relief", "EUR", 12000, 193),
            (8, "trans-healthcare", "EUR", 3000, 130),
            (12, "general", "EUR", 20000, 305),
            (15, "rent-relief", "USD", 7500, 248),
        ]
        for n, (day, fund, cur, gross, fee) in enumerate(contributions, start=1):
            f = funds[fund]
            entry_post(
                EntrySpec(
                    idempotency_key=_key(f"contribution-{n}"),
                    postings=(
                        PostingSpec(acct(AccountRole.STRIPE_CLEARING, cur).pk, f.pk, cur, gross - fee),
                        PostingSpec(acct(AccountRole.PROCESSING_FEES, cur).pk, f.pk, cur, fee),
                        PostingSpec(acct(AccountRole.DONATIONS_INCOME, cur).pk, f.pk, cur, -gross),
                    ),
                    date=start + datetime.timedelta(days=day),
                    kind=EntryKind.CONTRIBUTION,
                    memo="Card donation",
                    source=SourceRef(type="demo.contribution", id=f"DEMO-{n:04d}"),
                )
            )
        # Stripe paid the EUR clearing balance out to the bank.
        for fund, amount in (("rent-relief", 16632), ("general", 19695), ("trans-healthcare", 2870)):
            _two_legs(
                f"stripe-payout-{fund}",
                debit=acct(AccountRole.BANK, "EUR"),
                credit=acct(AccountRole.STRIPE_CLEARING, "EUR"),
                fund=funds[fund],
                amount=amount,
                date=start + datetime.timedelta(days=16),
                kind=EntryKind.MANUAL,
                memo="Stripe payout to bank",
                source=SourceRef(type="demo.stripe_payout", id=f"po_demo_{fund}"),
            )
        _two_legs(
            "stripe-payout-trans-healthcare-gbp",
            debit=acct(AccountRole.BANK, "GBP"),
            credit=acct(AccountRole.STRIPE_CLEARING, "GBP"),
            fund=funds["trans-healthcare"],
            amount=9830,
            date=start + datetime.timedelta(days=16),
            kind=EntryKind.MANUAL,
            memo="Stripe payout to bank",
            source=SourceRef(type="demo.stripe_payout", id="po_demo_trans-healthcare_gbp"),
        )
        currency_convert(
            idempotency_key=_key("fx-usd-eur"),
            fund_id=funds["rent-relief"].pk,
            from_account_id=acct(AccountRole.STRIPE_CLEARING, "USD").pk,
            to_account_id=acct(AccountRole.BANK, "EUR").pk,
            from_amount=7252,
            to_amount=6671,
            rate_source="treasurer",
            date=start + datetime.timedelta(days=17),
            memo="USD donations converted for rent grants",
        )
        fund_transfer(
            idempotency_key=_key("release-general-to-rent"),
            from_fund_id=funds["general"].pk,
            to_fund_id=funds["rent-relief"].pk,
            account_id=acct(AccountRole.BANK, "EUR").pk,
            amount=5000,
            date=start + datetime.timedelta(days=18),
            memo="Board decision: top up rent relief",
        )
        for n, (fund, amount) in enumerate((("rent-relief", 15000), ("trans-healthcare", 2500)), start=1):
            _two_legs(
                f"grant-{n}",
                debit=acct(AccountRole.GRANTS_EXPENSE, "EUR"),
                credit=acct(AccountRole.GRANTS_PAYABLE, "EUR"),
                fund=funds[fund],
                amount=amount,
                date=start + datetime.timedelta(days=20),
                kind=EntryKind.GRANT,
                memo="Grant approved",
                source=SourceRef(type="demo.grant", id=f"GR-DEMO-{n:03d}"),
            )
            _two_legs(
                f"payout-{n}",
                debit=acct(AccountRole.GRANTS_PAYABLE, "EUR"),
                credit=acct(AccountRole.BANK, "EUR"),
                fund=funds[fund],
                amount=amount,
                date=start + datetime.timedelta(days=22),
                kind=EntryKind.PAYOUT,
                memo="Grant paid by bank transfer",
                source=SourceRef(type="demo.payout", id=f"PO-DEMO-{n:03d}"),
            )


def _two_legs(
    name: str,
    *,
    debit: Account,
    credit: Account,
    fund: Fund,
    amount: int,
    date: datetime.date,
    kind: str,
    memo: str,
    source: SourceRef,
) -> None:
    """Post `amount` from credit to debit in one fund, under the demo's key for `name`."""
    entry_post(
        EntrySpec(
            idempotency_key=_key(name),
            postings=(
                PostingSpec(debit.pk, fund.pk, debit.currency, amount),
                PostingSpec(credit.pk, fund.pk, credit.currency, -amount),
            ),
            date=date,
            kind=kind,
            memo=memo,
            source=source,
        )
    )
