"""Documents attached to grant requests, sealed by the vault; append-only.

A document that came with an answer names its question, and the composite
foreign key makes that question one of the same request's.
"""

import uuid

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Attachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "content_type",
                    models.CharField(
                        choices=[("application/pdf", "PDF"), ("image/jpeg", "JPEG"), ("image/png", "PNG")],
                        max_length=32,
                    ),
                ),
                ("size", models.BigIntegerField(help_text="Bytes of the stored document, before sealing.")),
                ("content_sealed", models.BinaryField()),
                ("filename_sealed", models.BinaryField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["request_id", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.UniqueConstraint(fields=("id", "request"), name="question_id_request"),
        ),
        migrations.AddField(
            model_name="attachment",
            name="question",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attachments",
                to="grants.question",
            ),
        ),
        migrations.AddField(
            model_name="attachment",
            name="request",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attachments",
                to="grants.grantrequest",
            ),
        ),
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.CheckConstraint(
                condition=models.Q(("content_type__in", ["application/pdf", "image/jpeg", "image/png"])),
                name="attachment_content_type",
            ),
        ),
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.CheckConstraint(
                condition=models.Q(("size__gt", 0)), name="attachment_size_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.GreaterThan(
                    django.db.models.functions.text.Length("content_sealed"), models.F("size")
                ),
                name="attachment_sealed_not_shorter",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="attachment",
            trigger=pgtrigger.compiler.Trigger(
                name="attachment_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="dff756a0abe7f6250fda900384dce446c5554ea2",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_attachment_append_only_cb832",
                    table="grants_attachment",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.RunSQL(
            sql=(
                "ALTER TABLE grants_attachment ADD CONSTRAINT attachment_question_of_the_request "
                "FOREIGN KEY (question_id, request_id) REFERENCES grants_question (id, request_id) "
                "DEFERRABLE INITIALLY DEFERRED"
            ),
            reverse_sql="ALTER TABLE grants_attachment DROP CONSTRAINT attachment_question_of_the_request",
        ),
    ]
