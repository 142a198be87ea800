"""The review queue's filters and sort orders (django-filter)."""

from datetime import datetime, time, timedelta

import django_filters
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from core.forms import CalendarDateFilter

from .candour_selectors import incidents_with_candour
from .lfpse.models import LfpseState
from .models import HARM_RANK, MedicationIncident, PhysicalHarm, Stage, Status


# Each sort ends on the primary key, so that rows that tie still page predictably.
SORTS = {
    "newest": ("Newest first", ("-submitted_at", "-pk")),
    "oldest": ("Oldest first", ("submitted_at", "pk")),
    "most_harm": ("Most harm first", ("-harm_rank", "-submitted_at", "-pk")),
    "occurred": ("Happened most recently", ("-occurred_at", "-pk")),
}


class ReviewQueueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    physical_harm = django_filters.ChoiceFilter(label="Physical harm", choices=PhysicalHarm.choices, empty_label="Any harm")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    high_alert = django_filters.ChoiceFilter(
        label="High-alert medicine",
        choices=[("yes", "High-alert only"), ("no", "Not high-alert")],
        empty_label="Either",
        method="filter_high_alert",
    )
    red_flag = django_filters.ChoiceFilter(
        label="Red flag", choices=[("yes", "Red flags only")], empty_label="All incidents", method="filter_red_flag"
    )
    candour = django_filters.ChoiceFilter(
        label="Duty of candour", choices=[("overdue", "Overdue"), ("open", "Still to do")],
        empty_label="Any", method="filter_candour",
    )
    lfpse = django_filters.ChoiceFilter(
        label="LFPSE", choices=LfpseState.choices, empty_label="Any", method="filter_lfpse",
    )
    submitted_from = CalendarDateFilter(label="Reported from", method="filter_submitted_from")
    submitted_to = CalendarDateFilter(label="Reported to", method="filter_submitted_to")
    department = django_filters.CharFilter(lookup_expr="icontains", label="Department or location", max_length=120)
    sort = django_filters.ChoiceFilter(
        label="Sort by", choices=[(k, v[0]) for k, v in SORTS.items()], empty_label=None, method="sort_by",
    )

    class Meta:
        model = MedicationIncident
        fields = []

    # Dates become the bounds of local days, so that the (organisation, submitted_at) index serves them.
    def filter_submitted_from(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=timezone.make_aware(datetime.combine(value, time.min)))

    def filter_submitted_to(self, queryset, name, value):
        return queryset.filter(submitted_at__lt=timezone.make_aware(datetime.combine(value + timedelta(days=1), time.min)))

    def filter_high_alert(self, queryset, name, value):
        return queryset.filter(high_alert=(value == "yes"))

    def filter_candour(self, queryset, name, value):
        return incidents_with_candour(queryset, value)

    def filter_lfpse(self, queryset, name, value):
        if value == LfpseState.NOT_DUE:  # no record yet means not due (or sent before LFPSE was on)
            return queryset.filter(Q(lfpse__isnull=True) | Q(lfpse__state=value))
        return queryset.filter(lfpse__state=value)

    def filter_red_flag(self, queryset, name, value):
        return queryset.filter(red_flag=True) if value == "yes" else queryset

    def sort_by(self, queryset, name, value):
        if value == "most_harm":
            queryset = queryset.annotate(harm_rank=Case(
                *(When(physical_harm=k, then=Value(v)) for k, v in HARM_RANK.items()), output_field=IntegerField()
            ))
        return queryset.order_by(*SORTS.get(value, SORTS["newest"])[1])
