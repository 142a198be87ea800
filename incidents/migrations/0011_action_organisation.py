"""Each action keeps its incident's organisation, so that a trust's open actions are found by an index of
their own (the dashboard's and the board report's counts) instead of a join with the trust's incidents."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def fill_organisation(apps, schema_editor):
    IncidentAction = apps.get_model("incidents", "IncidentAction")
    MedicationIncident = apps.get_model("incidents", "MedicationIncident")
    IncidentAction.objects.filter(organisation__isnull=True).update(
        organisation=Subquery(MedicationIncident.objects.filter(pk=OuterRef("incident_id")).values("organisation_id")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0010_action_evidence_and_chases"),
        ("mso_registry", "0006_cso_claims_verified"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentaction",
            name="organisation",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                    to="mso_registry.organisation"),
        ),
        migrations.RunPython(fill_organisation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="incidentaction",
            name="organisation",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                    to="mso_registry.organisation"),
        ),
        migrations.AddIndex(
            model_name="incidentaction",
            index=models.Index(condition=Q(("done_at__isnull", True)), fields=["organisation", "due_date"],
                               name="incident_action_open_org"),
        ),
    ]
