"""Each action keeps its incident's report time, so that the trust dashboard counts a period's open actions
from one index (organisation, report time, due date) instead of looking up every open action's incident."""

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def fill_incident_submitted_at(apps, schema_editor):
    IncidentAction = apps.get_model("incidents", "IncidentAction")
    MedicationIncident = apps.get_model("incidents", "MedicationIncident")
    IncidentAction.objects.filter(incident_submitted_at__isnull=True).update(
        incident_submitted_at=Subquery(
            MedicationIncident.objects.filter(pk=OuterRef("incident_id")).values("submitted_at")[:1]
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0012_summary_shards"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentaction",
            name="incident_submitted_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(fill_incident_submitted_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="incidentaction",
            name="incident_submitted_at",
            field=models.DateTimeField(),
        ),
        migrations.RemoveIndex(model_name="incidentaction", name="incident_action_open_org"),
        migrations.AddIndex(
            model_name="incidentaction",
            index=models.Index(condition=Q(("done_at__isnull", True)), fields=["organisation", "incident_submitted_at"],
                               include=["due_date"], name="incident_action_open_period"),
        ),
    ]
