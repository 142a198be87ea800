from django.contrib import admin

from .models import Escalation, IncidentAction, IncidentMedicine, MedicationIncident


class MedicineInline(admin.TabularInline):
    model = IncidentMedicine
    extra = 0


class ActionInline(admin.TabularInline):
    model = IncidentAction
    extra = 0
    raw_id_fields = ["owner", "done_by", "created_by"]


@admin.register(MedicationIncident)
class MedicationIncidentAdmin(admin.ModelAdmin):
    """Read-mostly: incidents change through the review pages, which keep the audit trail."""

    list_display = ["reference", "organisation", "submitted_at", "stage", "physical_harm", "red_flag", "status"]
    list_filter = ["status", "physical_harm", "stage", "red_flag", "organisation"]
    search_fields = ["reference", "department"]
    inlines = [MedicineInline, ActionInline]
    raw_id_fields = ["reporter", "harm_confirmed_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["incident", "organisation", "reason", "raised_at", "acknowledge_by", "acknowledged_at"]
    list_filter = ["reason", "organisation"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
