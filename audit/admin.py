from django.contrib import admin

from .models import AuditAnchor, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """The trail is changed by its services only, never through the admin site."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "actor_email", "action", "object_repr", "organisation", "scope", "chain_sequence"]
    list_filter = ["action", "content_type"]
    search_fields = ["actor_email", "object_repr", "action"]
    date_hierarchy = "created_at"


@admin.register(AuditAnchor)
class AuditAnchorAdmin(ReadOnlyAdmin):
    """What was sent out as each chain's anchor."""

    list_display = ["anchored_at", "scope", "chain_sequence", "event_id", "hash"]
    search_fields = ["scope"]
