"""The API's endpoints: thin, like the pages' views. Each reads through the pages' selectors and
FilterSets, scoped to the client's organisation, and writes through the same services."""

import django_filters
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status
from rest_framework.exceptions import NotFound as NotFoundError, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from audit.services import audit_record, audit_via
from core.domain import DomainError
from clinical_safety import selectors as clinical_safety_selectors
from clinical_safety.models import HealthITSystem
from incidents import selectors as incident_selectors
from incidents import services as incident_services
from incidents.filters import ReviewQueueFilter
from mso_registry import selectors as registry_selectors
from mso_registry.filters import DirectoryFilter
from submissions.services import AlreadySubmitted, submission_key_for

from . import serializers
from .models import ApiClient, Scope

IDEMPOTENCY_KEY_MAX = 200


class ApiView(generics.GenericAPIView):
    """Every call: a client's token, the scope the endpoint needs, the client's rate limit; every
    event the call writes says it came through the client, and the call itself is audited."""

    required_scope: str = ""

    query_parameters: tuple = ()

    def allowed_query_parameters(self) -> set[str]:
        allowed = set(self.query_parameters)
        if getattr(self, "filterset_class", None):
            allowed |= set(self.filterset_class.base_filters)
        if self.pagination_class:
            allowed |= {"cursor", "page_size"}
        return allowed

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A mistyped filter must not quietly return everything to a BI extract: it is refused, by name.
        unknown = sorted(set(request.query_params) - self.allowed_query_parameters())
        # An empty value is a form's "any"; from a program it is more likely a bug, so it is named too.
        empty = sorted(name for name, values in request.query_params.lists() if not any(v.strip() for v in values))
        if unknown or empty:
            problems = {name: "This endpoint takes no such parameter." for name in unknown[:20]}
            problems.update({name: "Give a value, or leave the parameter out." for name in empty[:20] if name not in problems})
            raise ValidationError(problems)
        self._check_query_values(request)

    def _check_query_values(self, request):
        problems = {name: "Give this parameter once." for name, values in request.query_params.lists() if len(values) > 1}
        # The pages' yes/no filters are checkboxes, which read any value as "yes"; a program must say true or false.
        filterset = getattr(self, "filterset_class", None)
        for name, field in (filterset.base_filters.items() if filterset else ()):
            value = request.query_params.get(name)
            if isinstance(field, django_filters.BooleanFilter) and value is not None and name not in problems:
                if value.lower() not in ("true", "false"):
                    problems[name] = "Give true or false."
        size = request.query_params.get("page_size")
        if size is not None and self.pagination_class and "page_size" not in problems:
            largest = self.pagination_class.max_page_size
            if not (size.isascii() and size.isdigit() and 1 <= int(size) <= largest):
                problems["page_size"] = f"Give a whole number from 1 to {largest}."
        if problems:
            raise ValidationError(problems)
        client = request.auth
        self._via = audit_via(f"API client {client.name} ({client.pk})")
        self._via.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "_via", None) is not None:
            self._via.__exit__(None, None, None)
            self._via = None
        client = getattr(request, "_auth", None)
        # A refused token is nobody's call; a throttled one would let a runaway client flood the trail.
        if isinstance(client, ApiClient) and response.status_code != status.HTTP_429_TOO_MANY_REQUESTS:
            with transaction.atomic():
                audit_record(
                    actor=client.created_by, action="api.called", target=client, organisation=client.organisation,
                    changes={"request": [None, f"{request.method} {request.path}"], "status": [None, response.status_code]},
                )
        return response

    @property
    def client(self) -> ApiClient:
        return self.request.auth

    def organisation_ids(self) -> list[int]:
        client = self.client  # None only while the schema is generated
        return [client.organisation_id] if client is not None and client.organisation_id else []


class IncidentCursor(CursorPagination):
    ordering = ("-submitted_at", "-pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class IncidentFilter(ReviewQueueFilter):
    """The review queue's filters; the order is the cursor's (newest first), so `sort` is not offered."""


del IncidentFilter.base_filters["sort"]


@extend_schema(tags=["incidents"])
class IncidentListCreate(mixins.ListModelMixin, ApiView):
    serializer_class = serializers.IncidentSerializer
    pagination_class = IncidentCursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = IncidentFilter

    @property
    def required_scope(self):
        return Scope.INCIDENTS_WRITE if self.request.method == "POST" else Scope.INCIDENTS_READ

    def get_queryset(self):
        return incident_selectors.incidents_of(self.organisation_ids())

    @extend_schema(operation_id="incidents_list", summary="The organisation's incidents, newest first, with the review queue's filters")
    def get(self, request):
        return self.list(request)

    @extend_schema(
        operation_id="incidents_report", summary="Report an incident for the client's organisation",
        request=serializers.IncidentReportSerializer,
        responses={201: serializers.IncidentCreatedSerializer, 200: serializers.IncidentCreatedSerializer},
        parameters=[OpenApiParameter(
            "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
            description="Any string of up to 200 characters chosen by the client. The same key sent again with the "
                        "same report returns the first report (200) instead of making a second; with a different "
                        "report, 422.",
        )],
    )
    def post(self, request):
        client = self.client
        incoming = serializers.IncidentReportSerializer(data=request.data, context={"organisation": client.organisation})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        idempotency_key = request.headers.get("Idempotency-Key", "").strip()
        if len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
            raise ValidationError({"Idempotency-Key": f"Use a key of {IDEMPOTENCY_KEY_MAX} characters or fewer."})
        key = submission_key_for(
            user=client.created_by, purpose=incident_services.REPORT_PURPOSE, token=f"api:{client.pk}:{idempotency_key}"
        ) if idempotency_key else ""
        try:
            incident, code = incident_services.incident_report(
                reporter=client.created_by, organisation=data["organisation"], anonymous=data["anonymous"],
                occurred_at=data["occurred_at"], department=data["department"], stage=data["stage"],
                error_types=data["error_types"], physical_harm=data["physical_harm"],
                psychological_harm=data["psychological_harm"], never_event=data["never_event"],
                description=data["description"], immediate_action=data["immediate_action"],
                contributing_factors=data["contributing_factors"], nhs_number=data["nhs_number"],
                wants_feedback=data["wants_feedback"], medicines=data["medicines"], submission_key=key,
            )
            answer = status.HTTP_201_CREATED
        except AlreadySubmitted as first:
            incident, answer = first.target, status.HTTP_200_OK
            if not _same_report(incident, data):
                raise DomainError(f"This Idempotency-Key was already used for a different report ({incident.reference}); "
                                  "use a new key for a new report.") from None
            # As at the form: whoever sent an anonymous report again may never have seen its code.
            code = incident_services.incident_follow_up_code_reissue(
                incident=incident, reporter=client.created_by, submission_key=key
            ) if incident.is_anonymous else None
        incident = self.get_queryset().get(pk=incident.pk)
        body = serializers.IncidentCreatedSerializer(incident).data
        body["follow_up_code"] = code
        headers = {"Location": request.build_absolute_uri(f"{request.path}{incident.reference}/")}
        return Response(body, status=answer, headers=headers)


def _same_report(incident, data) -> bool:
    """Whether a retried report says what the first one said (the IETF Idempotency-Key draft: a key
    reused for another request is refused, 422, rather than answered with the first one's result)."""
    return (
        incident.occurred_at == data["occurred_at"] and incident.department == data["department"].strip()
        and incident.stage == data["stage"] and incident.description == data["description"].strip()
        and incident.reported_physical_harm == data["physical_harm"] and incident.is_anonymous == data["anonymous"]
        and sorted(m.name.lower() for m in incident.medicines.all())
        == sorted(m["name"].strip().lower() for m in data["medicines"])
    )


@extend_schema(tags=["incidents"])
class IncidentDetail(ApiView):
    serializer_class = serializers.IncidentSerializer
    required_scope = Scope.INCIDENTS_READ

    @extend_schema(operation_id="incidents_read", summary="One of the organisation's incidents, by its reference")
    def get(self, request, reference: str):
        queryset = incident_selectors.incidents_of(self.organisation_ids())
        return Response(self.get_serializer(get_object_or_404(queryset, reference=reference)).data)


class DirectoryCursor(CursorPagination):
    ordering = ("ods_code",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema(tags=["directory"], summary="The national MSO list, as the registry administrator accepted it")
class DirectoryList(mixins.ListModelMixin, ApiView):
    serializer_class = serializers.DirectoryEntrySerializer
    required_scope = Scope.DIRECTORY_READ
    pagination_class = DirectoryCursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = DirectoryFilter

    def get_queryset(self):
        return registry_selectors.organisations_with_current_mso()

    def filter_queryset(self, queryset):
        return registry_selectors.directory_rows(super().filter_queryset(queryset))

    def get(self, request):
        return self.list(request)


def _system_or_404(view, pk) -> HealthITSystem:
    return get_object_or_404(
        HealthITSystem.objects.select_related("organisation", "cso").filter(organisation_id__in=view.organisation_ids()),
        pk=pk,
    )


def _versions(system):
    return system.hazard_log_versions.defer("snapshot").order_by("-number")


@extend_schema(tags=["clinical safety"], summary="The organisation's health IT systems")
class SystemList(mixins.ListModelMixin, ApiView):
    serializer_class = serializers.SystemSerializer
    required_scope = Scope.CLINICAL_SAFETY_READ
    pagination_class = None

    def get_queryset(self):
        return HealthITSystem.objects.select_related("organisation").filter(
            organisation_id__in=self.organisation_ids()).order_by("name")

    def get(self, request):
        return self.list(request)


@extend_schema(tags=["clinical safety"], summary="A system's live hazard log with its content hash, and its issued versions")
class HazardLog(ApiView):
    serializer_class = serializers.HazardLogSerializer
    required_scope = Scope.CLINICAL_SAFETY_READ

    def get(self, request, pk: int):
        system = _system_or_404(self, pk)
        snapshot = clinical_safety_selectors.hazard_log_snapshot(system)
        return Response(self.get_serializer({
            "system": system, "snapshot": snapshot, "content_hash": clinical_safety_selectors.content_hash(snapshot),
            "versions": _versions(system),
        }).data)


@extend_schema(tags=["clinical safety"], summary="An issued hazard log version: its frozen snapshot and content hash")
class HazardLogVersionDetail(ApiView):
    serializer_class = serializers.HazardLogVersionDetailSerializer
    required_scope = Scope.CLINICAL_SAFETY_READ

    def get(self, request, pk: int, number: int):
        system = _system_or_404(self, pk)
        return Response(self.get_serializer(get_object_or_404(system.hazard_log_versions, number=number)).data)


@extend_schema(tags=["statistics"], summary="Monthly incident counts for a date range (the trust dashboard's tables)",
               parameters=[serializers.StatsQuerySerializer])
class MonthlyStats(ApiView):
    serializer_class = serializers.MonthlyStatsSerializer
    required_scope = Scope.STATS_READ
    query_parameters = ("date_from", "date_to")

    def get(self, request):
        query = serializers.StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        date_from = query.validated_data.get("date_from") or incident_selectors.dashboard_default_start()
        date_to = query.validated_data.get("date_to") or timezone.localdate()
        if date_from > date_to:
            raise ValidationError({"date_from": "The start date must be on or before the end date."})
        figures = incident_selectors.dashboard(organisation=self.client.organisation, date_from=date_from, date_to=date_to)
        return Response(self.get_serializer({
            "organisation": self.client.organisation.ods_code, "date_from": date_from, "date_to": date_to,
            "totals": figures["totals"],
            "per_month": [{"month": f"{timezone.localtime(row['month']):%Y-%m}" if timezone.is_aware(row["month"])
                           else f"{row['month']:%Y-%m}", "total": row["total"],
                           "moderate_or_worse": row["moderate_or_worse"]} for row in figures["per_month"]],
            "by_stage": [{"key": row["stage"], "total": row["total"]} for row in figures["by_stage"]],
            "by_harm": [{"key": row["physical_harm"], "total": row["total"]} for row in figures["by_harm"]],
            "by_error": [{"key": row["error_type"], "total": row["total"]} for row in figures["by_error"]],
        }).data)



def api_docs(request):
    """The interactive documentation (Swagger UI), open to anyone, as the schema is."""
    return render(request, "api/docs.html", {"schema_url": reverse("api:schema")})


class NotFound(ApiView):
    """Any other path under /api/v1/ (a record id that is not a number, a mistyped path): 404 as problem
    details, never the HTML page, once the token is checked."""

    schema = None
    pagination_class = None

    def allowed_query_parameters(self) -> set[str]:
        return set(self.request.query_params)

    def _not_found(self, request, *args, **kwargs):
        raise NotFoundError("There is no such endpoint or record; the documentation is at /api/v1/docs/.")

    get = post = put = patch = delete = _not_found
