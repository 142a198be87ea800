"""The national directory shows the mailbox the registry accepted, never one still awaiting it."""

import pytest
from django.urls import reverse

from mso_registry.models import ChangeOfDetailsRequest, Organisation
from mso_registry.services import change_request_accept, organisation_update

pytestmark = pytest.mark.django_db


def test_a_new_mailbox_shows_in_the_directory_only_once_accepted(client, riverside, riverside_mso, registry_admin):
    organisation_update(actor=riverside_mso, organisation=riverside, generic_mso_email="medsafety.new@nhs.example")
    client.force_login(registry_admin)
    page = client.get(reverse("mso_registry:organisation_list")).content.decode()
    assert "medsafety.new@nhs.example" not in page
    assert "r9r.mso@nhs.example" in page and "Change awaiting the registry" in page

    request = ChangeOfDetailsRequest.objects.get(organisation=riverside, detail=ChangeOfDetailsRequest.Detail.MAILBOX)
    change_request_accept(actor=registry_admin, request=request)
    assert Organisation.objects.get(pk=riverside.pk).listed_mailbox == "medsafety.new@nhs.example"
    page = client.get(reverse("mso_registry:organisation_list")).content.decode()
    assert "medsafety.new@nhs.example" in page and "Change awaiting the registry" not in page
