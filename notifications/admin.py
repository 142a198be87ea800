from django.contrib import admin, messages
from django.db import transaction

from .models import Notification
from .services import notification_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "status", "attempts", "sent_at", "next_attempt_at"]
    list_filter = ["status", "template"]
    search_fields = ["recipient", "subject", "idempotency_key"]
    date_hierarchy = "created_at"
    # The sealed part (a sign-in link) is never shown, not even encrypted: only whether there is one.
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "sealed_context"] + [
        "secret_part",
        "message_id",
    ]
    actions = ["retry_failed"]

    @admin.display(description="secret part")
    def secret_part(self, obj):
        if obj.sealed_context:
            return "Sealed (a link that signs someone in): added to the email when it is sent, then removed."
        return "None"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Try the selected failed notifications again")
    def retry_failed(self, request, queryset):
        with transaction.atomic():
            failed = list(queryset.filter(status=Notification.Status.FAILED))
            for notification in failed:
                notification_retry(notification=notification)
        self.message_user(request, f"{len(failed)} notification(s) queued again.", messages.SUCCESS)
