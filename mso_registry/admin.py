from django.contrib import admin

from audit.admin_mixins import AuditedModelAdmin

from .models import Organisation, RoleAssignment
from .services import ORGANISATION_FIELDS


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin, admin.ModelAdmin):
    audited_fields = ORGANISATION_FIELDS
    list_display = ["name", "ods_code", "organisation_type", "region", "generic_mso_email", "record_confirmed_on"]
    list_filter = ["organisation_type", "region"]
    search_fields = ["name", "ods_code"]

    def audit_organisation(self, obj):
        return obj


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedModelAdmin, admin.ModelAdmin):
    audited_fields = ["user", "organisation", "role", "start_date", "end_date"]
    list_display = ["user", "role", "organisation", "start_date", "end_date"]
    list_filter = ["role", "end_date"]
    search_fields = ["user__email", "user__full_name", "organisation__name", "organisation__ods_code"]
    autocomplete_fields = ["user", "organisation"]

    def audit_organisation(self, obj):
        return obj.organisation
