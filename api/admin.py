from django.contrib import admin

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "created_by", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["token_prefix", "token_hash", "created_by", "created_at", "revoked_at", "revoked_by", "last_used_at"]
