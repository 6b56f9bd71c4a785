"""Signed checkpoints: chain heads signed by the sealer's Ed25519 key, append-only."""

import django.db.models.functions.text
import django.db.models.lookups
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_database_sql"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignedCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(unique=True)),
                ("head_hash", models.BinaryField()),
                ("signed_at", models.DateTimeField()),
                ("key_id", models.CharField(max_length=64)),
                ("signature", models.BinaryField()),
            ],
            options={
                "ordering": ["seq"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("seq__gte", 1)), name="signed_checkpoint_seq_positive"
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("head_hash"), 32
                        ),
                        name="signed_checkpoint_hash_length",
                    ),
                    models.CheckConstraint(
                        condition=django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("signature"), 64
                        ),
                        name="signed_checkpoint_signature_length",
                    ),
                ],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="signedcheckpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="signedcheckpoint_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="09b0a1c56815edec373255a12ffe5074d2a11062",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_signedcheckpoint_append_only_957f7",
                    table="ledger_signedcheckpoint",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="signedcheckpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="signedcheckpoint_no_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'ledger tables are append-only' USING ERRCODE = 'TL006';",
                    hash="1773985b846b5679782d3812bbe95301fc2b3615",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_signedcheckpoint_no_truncate_83472",
                    table="ledger_signedcheckpoint",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="signedcheckpoint",
            trigger=pgtrigger.compiler.Trigger(
                name="signed_checkpoint_names_the_chain",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="IF NOT EXISTS (SELECT 1 FROM ledger_seal WHERE seq = NEW.seq AND hash = NEW.head_hash) THEN\n    RAISE EXCEPTION 'signed checkpoint % names no sealed head', NEW.seq\n        USING ERRCODE = 'TL005';\nEND IF;\nIF EXISTS (SELECT 1 FROM ledger_signedcheckpoint WHERE seq >= NEW.seq) THEN\n    RAISE EXCEPTION 'signed checkpoint % does not move past the last one', NEW.seq\n        USING ERRCODE = 'TL005';\nEND IF;\nRETURN NEW;\n",
                    hash="f2666c86bc2911d3010e0c713aef64755d680c64",
                    operation="INSERT",
                    pgid="pgtrigger_signed_checkpoint_names_the_chain_46485",
                    table="ledger_signedcheckpoint",
                    when="BEFORE",
                ),
            ),
        ),
    ]
