"""Read-only admin views: clinical safety records change only through the services, which keep
the scoring history, the hashes and the audit trail."""

from django.contrib import admin

from .models import Hazard, HazardLogImport, HazardLogVersion, HealthITSystem, SafetyCaseReport


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HealthITSystem)
class HealthITSystemAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "organisation", "standard", "cso"]
    list_filter = ["standard"]
    search_fields = ["name", "manufacturer", "organisation__name"]


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "system", "initial_rating", "residual_rating", "status"]
    list_filter = ["status", "residual_rating"]
    search_fields = ["title", "system__name"]


@admin.register(HazardLogVersion)
class HazardLogVersionAdmin(ReadOnlyAdmin):
    list_display = ["system", "number", "signer_name", "signed_at", "content_hash"]


@admin.register(HazardLogImport)
class HazardLogImportAdmin(ReadOnlyAdmin):
    list_display = ["system", "origin", "hazard_count", "imported_by", "imported_at"]


@admin.register(SafetyCaseReport)
class SafetyCaseReportAdmin(ReadOnlyAdmin):
    list_display = ["system", "release", "status", "author", "decided_by", "out_of_date_at"]
    list_filter = ["status"]
