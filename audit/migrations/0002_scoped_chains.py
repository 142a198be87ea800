"""From one global chain whose head every audited write locked, to one chain per scope sealed after
commit (README, "Architecture", audit/). This migration changes the tables; 0003 converts the
events already written; 0004 adds the constraints and drops the old head."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="auditevent", name="audit_event_object"),
        migrations.AlterField(
            model_name="auditevent", name="sequence", field=models.PositiveBigIntegerField(blank=True, null=True)
        ),
        migrations.RenameField(model_name="auditevent", old_name="sequence", new_name="chain_sequence"),
        migrations.AddField(
            model_name="auditevent",
            name="scope",
            field=models.CharField(default="national", max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(model_name="auditevent", name="sealed_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AlterField(model_name="auditevent", name="prev_hash", field=models.CharField(blank=True, max_length=64)),
        migrations.AlterField(model_name="auditevent", name="hash", field=models.CharField(blank=True, max_length=64)),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["id"]}),
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=40, unique=True)),
                ("last_sequence", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(blank=True, max_length=64)),
                ("last_event_id", models.BigIntegerField(blank=True, null=True)),
                ("sealed_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=40)),
                ("chain_sequence", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("event_id", models.BigIntegerField()),
                ("anchored_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["-anchored_at", "scope"],
                "constraints": [
                    models.UniqueConstraint(fields=("scope", "chain_sequence"), name="audit_anchor_once_per_place")
                ],
            },
        ),
    ]
