"""The duty of candour letter's PDF as someone using a screen reader gets it: tagged PDF/UA-1 with its
title and language, read as the letter reads (tests/pdf_structure.py reads the structure tree)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import candour_services, services
from incidents.models import CandourRecord
from tests.pdf_structure import downloaded, in_order, page_text, reading_text, tagged_pdf, ua_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderate_harm(make_incident, riverside_mso):
    incident = make_incident(occurred_at=timezone.now() - timedelta(days=1),
                             medicines=[{"name": "Insulin aspart", "route": "subcutaneous", "dose": "40 units"}])
    return services.incident_grade(incident=incident, actor=riverside_mso, physical_harm="moderate",
                                   psychological_harm="none", note="Needed a glucose infusion.")


def _letter(client, incident, mso) -> bytes:
    client.force_login(mso)
    return downloaded(client.get(reverse("incidents:candour_letter_pdf", args=[incident.reference])), "candour-letter")


def test_the_draft_letter_pdf_is_tagged_pdf_ua_and_reads_as_the_letter_does(client, moderate_harm, riverside_mso):
    content = _letter(client, moderate_harm, riverside_mso)

    pdf = tagged_pdf(content)

    assert ua_problems(pdf) == []
    assert pdf.title == f"Duty of candour: {moderate_harm.reference}"
    assert pdf.lang == "en-GB" and pdf.display_doc_title and pdf.marked
    # Who it is from, our reference and that it is a draft, then the letter paragraph by paragraph.
    order = [moderate_harm.organisation.name, f"Our reference: {moderate_harm.reference}", "Draft: not yet sent",
             "Dear the patient", "We are writing", "We are sorry that this happened.", "Yours sincerely",
             "Medication Safety Officer, on behalf of"]
    assert in_order(reading_text(pdf), order)
    assert in_order(page_text(content), order)
    paragraphs = [p.words for p in pdf.document.find("P")]
    assert "We are sorry that this happened." in paragraphs  # a paragraph of its own, as in the letter


def test_the_sent_letter_pdf_is_tagged_with_the_date_it_was_sent(client, moderate_harm, riverside_mso):
    today = timezone.localdate()
    record = CandourRecord.objects.get(incident=moderate_harm)
    candour_services.candour_told_in_person(record=record, actor=riverside_mso, told_on=today, told_by="Dr A Shah",
                                            apology_given=True, note="Explained and apologised.", relevant_person="Mrs Okafor")
    candour_services.candour_letter_sent(record=record, actor=riverside_mso, sent_on=today,
                                         letter_text="Dear Mrs Okafor,\n\nWe are sorry about the insulin.")

    pdf = tagged_pdf(_letter(client, moderate_harm, riverside_mso))

    assert ua_problems(pdf) == []
    assert in_order(reading_text(pdf), [f"Our reference: {moderate_harm.reference}", f"{today:%-d %B %Y}",
                                        "Dear Mrs Okafor,", "We are sorry about the insulin."])
    assert "Draft" not in reading_text(pdf)
