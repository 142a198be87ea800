from django.db import migrations, models

# Context keys that carried a secret before secrets were sealed: the whole body of a sign-in email
# (it holds the reset or verification link) and a handover successor's invitation link.
SECRET_KEYS = ("body_text", "body_html", "invitation_path")


def seal_existing_secrets(apps, schema_editor):
    """Rows written before this migration: the secret of a row not yet sent (pending, sending, or
    failed and perhaps retried) is sealed; that of a sent row, or of a copy for someone other than
    its reader (the director's copy of an invitation), is dropped."""
    from notifications.sealing import seal

    Notification = apps.get_model("notifications", "Notification")
    for notification in Notification.objects.all().iterator():
        secret = {k: notification.context[k] for k in SECRET_KEYS if k in notification.context}
        if not secret:
            continue
        if notification.status != "sent" and notification.template in (
            "notifications/email/prerendered",
            "mso_registry/email/handover_successor",
        ):
            notification.sealed_context = seal(secret)
        notification.context = {k: v for k, v in notification.context.items() if k not in SECRET_KEYS}
        notification.save(update_fields=["context", "sealed_context"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notification_sending_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="sealed_context",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(seal_existing_secrets, migrations.RunPython.noop),
    ]
