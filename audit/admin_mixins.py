from django.db import transaction

from .services import audit_record, changes_between, snapshot


class AuditedModelAdmin:
    """Admin-site edits go into the audit trail like every other change.

    Set `audited_fields`; `audit_organisation(obj)` files the event under an organisation."""

    audited_fields: list[str] = []

    def audit_organisation(self, obj):
        return None

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            before = snapshot(type(obj).objects.get(pk=obj.pk), self.audited_fields)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changes = changes_between(before, snapshot(obj, self.audited_fields))
            if changes:
                action = f"{obj._meta.model_name}.{'updated' if change else 'created'} (admin site)"
                audit_record(
                    actor=request.user,
                    action=action,
                    target=obj,
                    organisation=self.audit_organisation(obj),
                    changes=changes,
                )

    def has_delete_permission(self, request, obj=None):
        return False  # registry records are a history: end them, never delete them
