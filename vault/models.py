"""Vault tables: subjects, their wrapped data keys, and the append-only access log.

Every rule SQL can state is declared here and enforced by PostgreSQL, so no
code path (ORM, raw SQL, admin, shell) can un-shred a key or rewrite the log.
"""

import uuid

import pgtrigger
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Now
from django.db.models.lookups import Exact

from vault.crypto import WRAPPED_KEY_BYTES
from vault.names import FIELD_PATTERN, KEY_ID_PATTERN, PURPOSE_PATTERN

# SQLSTATEs the vault's triggers raise (class TV, like the ledger's TL).
APPEND_ONLY = "TV001"
DATA_KEY_RULES = "TV002"
SHRED_UNRECORDED = "TV003"


def _no_truncate(model: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=f"vault_{model}_no_truncate",
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        level=pgtrigger.Statement,
        func=f"RAISE EXCEPTION 'vault tables refuse TRUNCATE' USING ERRCODE = '{APPEND_ONLY}';",
    )


def _append_only(model: str) -> list[pgtrigger.Trigger]:
    """UPDATE, DELETE and TRUNCATE are rejected by the database (and the runtime role is not granted them)."""
    return [
        pgtrigger.Protect(name=f"vault_{model}_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        _no_truncate(model),
    ]


class SubjectKind(models.TextChoices):
    REQUESTER = "requester", "Requester"
    DONOR = "donor", "Donor"


class Subject(models.Model):
    """A person whose identifying data the vault holds, known outside it only by a random reference."""

    reference = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SubjectKind.values), name="vault_subject_kind_valid"),
        ]
        triggers = _append_only("subject")

    def __str__(self) -> str:
        return f"subject {self.reference}"


# A live key is wrapped under a named master key; a shredded one has neither and
# says when it was shredded. The rules trigger keeps a shredded key shredded.
DATA_KEY_RULES_SQL = f"""
IF TG_OP = 'INSERT' THEN
    IF NEW.wrapped_key IS NULL THEN
        RAISE EXCEPTION 'a data key is created live' USING ERRCODE = '{DATA_KEY_RULES}';
    END IF;
    NEW.created_at := now();
    NEW.rewrapped_at := NULL;
    RETURN NEW;
END IF;
IF OLD.wrapped_key IS NULL THEN
    RAISE EXCEPTION 'a shredded data key stays shredded' USING ERRCODE = '{DATA_KEY_RULES}';
END IF;
IF NEW.subject_id IS DISTINCT FROM OLD.subject_id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'a data key keeps its subject and creation time' USING ERRCODE = '{DATA_KEY_RULES}';
END IF;
IF NEW.wrapped_key IS NULL THEN
    NEW.master_key_id := NULL;
    NEW.shredded_at := now();
    RETURN NEW;
END IF;
IF NEW.master_key_id IS NOT DISTINCT FROM OLD.master_key_id OR NEW.wrapped_key = OLD.wrapped_key
   OR NEW.shredded_at IS NOT NULL THEN
    RAISE EXCEPTION 'a live data key changes only by re-wrapping under another master key, or by shredding'
        USING ERRCODE = '{DATA_KEY_RULES}';
END IF;
NEW.rewrapped_at := now();
RETURN NEW;
"""

SHRED_RECORDED_SQL = f"""
IF NOT EXISTS (
    SELECT 1 FROM public.vault_accesslog l WHERE l.subject_id = NEW.subject_id AND l.action = 'shred'
) THEN
    RAISE EXCEPTION 'a data key was shredded without a shred record in the access log'
        USING ERRCODE = '{SHRED_UNRECORDED}';
END IF;
RETURN NULL;
"""


class DataKey(models.Model):
    """A subject's AES-256 data key, wrapped by a master key; shredding sets it to NULL for good."""

    subject = models.OneToOneField(
        Subject, on_delete=models.PROTECT, primary_key=True, related_name="data_key"
    )
    master_key_id = models.CharField(max_length=32, null=True)
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(db_default=Now())
    rewrapped_at = models.DateTimeField(null=True)
    shredded_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(wrapped_key__isnull=False, master_key_id__isnull=False, shredded_at__isnull=True)
                | Q(wrapped_key__isnull=True, master_key_id__isnull=True, shredded_at__isnull=False),
                name="vault_datakey_live_or_shredded",
            ),
            models.CheckConstraint(
                condition=Exact(Length("wrapped_key"), WRAPPED_KEY_BYTES), name="vault_datakey_wrapped_length"
            ),
            models.CheckConstraint(
                condition=Q(master_key_id__regex=KEY_ID_PATTERN), name="vault_datakey_master_key_id_valid"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="vault_datakey_no_delete", operation=pgtrigger.Delete),
            _no_truncate("datakey"),
            pgtrigger.Trigger(
                name="vault_datakey_rules",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=DATA_KEY_RULES_SQL,
            ),
            pgtrigger.Trigger(
                name="vault_datakey_shred_recorded",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                timing=pgtrigger.Deferred,
                condition=pgtrigger.Condition("NEW.wrapped_key IS NULL"),
                func=SHRED_RECORDED_SQL,
            ),
        ]

    def __str__(self) -> str:
        return f"data key of subject #{self.pk}"


class AccessAction(models.TextChoices):
    OPEN = "open", "Opened a field"
    SHRED = "shred", "Shredded the data key"


class AccessLog(models.Model):
    """Who opened which field of which subject, when and why; and who shredded it. Append-only."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=AccessAction.choices)
    field = models.CharField(max_length=64, blank=True)
    # A user id, not a foreign key: the log outlives accounts, and the vault depends on no app of ours.
    reader_id = models.BigIntegerField(null=True)
    purpose = models.CharField(max_length=64)
    at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject", "at"], name="vault_accesslog_subject_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(action=AccessAction.OPEN, field__regex=FIELD_PATTERN)
                | Q(action=AccessAction.SHRED, field=""),
                name="vault_accesslog_action_field",
            ),
            models.CheckConstraint(
                condition=Q(purpose__regex=PURPOSE_PATTERN), name="vault_accesslog_purpose_valid"
            ),
        ]
        triggers = [
            *_append_only("accesslog"),
            pgtrigger.Trigger(
                name="vault_accesslog_stamped",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="NEW.at := now(); RETURN NEW;",
            ),
        ]

    def __str__(self) -> str:
        return f"access {self.pk} ({self.action})"
