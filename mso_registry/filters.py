"""The national directory's search and filters (django-filter)."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import Organisation, OrganisationType, Region, Role, RoleAssignment


class DirectoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name, ODS code or mailbox", method="search", max_length=254)
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label="Any region")
    organisation_type = django_filters.ChoiceFilter(label="Type", choices=OrganisationType.choices, empty_label="Any type")
    icb = django_filters.ModelChoiceFilter(
        label="ICB", queryset=Organisation.objects.filter(organisation_type=OrganisationType.ICB), empty_label="Any ICB"
    )
    vacant = django_filters.BooleanFilter(label="MSO post vacant", method="filter_vacant", widget=forms.CheckboxInput)
    no_board_director = django_filters.BooleanFilter(
        label="No board director", method="filter_no_director", widget=forms.CheckboxInput
    )
    stale = django_filters.BooleanFilter(
        label="Not confirmed in the last 12 months", method="filter_stale", widget=forms.CheckboxInput
    )

    class Meta:
        model = Organisation
        fields = ["q", "region", "organisation_type", "icb", "vacant", "no_board_director", "stale"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value) | Q(ods_code__iexact=value) | Q(generic_mso_email__icontains=value)
        ) if value else queryset

    def filter_vacant(self, queryset, name, value):
        return queryset.filter(has_mso=False) if value else queryset

    def filter_no_director(self, queryset, name, value):
        if not value:
            return queryset
        directors = RoleAssignment.objects.current().filter(role=Role.BOARD_DIRECTOR, organisation=OuterRef("pk"))
        return queryset.exclude(Exists(directors))

    def filter_stale(self, queryset, name, value):
        if not value:
            return queryset
        cutoff = timezone.localdate() - timedelta(days=365)
        return queryset.filter(Q(record_confirmed_on__isnull=True) | Q(record_confirmed_on__lt=cutoff))
