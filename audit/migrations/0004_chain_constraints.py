from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_seal_existing_events"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["content_type", "object_id", "id"], name="audit_event_object"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(chain_sequence__isnull=True), fields=["scope", "id"], name="audit_event_unsealed"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("scope", "chain_sequence"), name="audit_event_one_place_per_chain"),
        ),
        migrations.DeleteModel(name="AuditChainHead"),
    ]
