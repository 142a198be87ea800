"""core/pdf.py makes every PDF tagged PDF/UA-1, and tests/pdf_structure.py (which the test of each
document relies on) sees what is wrong with a PDF that is not: each check is shown failing here."""

import pytest

from core import pdf
from tests.pdf_structure import headings, reading_text, tagged_pdf, ua_problems

STYLESHEET = "css/candour_letter_print.css"  # the plainest of our print stylesheets


def page(body: str, *, head: str = "<title>A test document</title>", lang: str = ' lang="en-GB"') -> str:
    return f'<!doctype html><html{lang}><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


GOOD = page(
    "<h1>Report</h1><p>First.</p><h2>Figures</h2>"
    '<table><thead><tr><th scope="col">Month</th><th scope="col">Count</th></tr></thead>'
    '<tbody><tr><th scope="row">May</th><td>3</td></tr></tbody></table>'
    "<ul><li>One</li><li>Two</li></ul>"
    '<svg viewBox="0 0 10 10" width="40" height="40" role="img"><title>Three a month</title>'
    '<circle cx="5" cy="5" r="4"></circle></svg><h2>Last</h2><p>End.</p>'
)


def test_every_pdf_is_tagged_pdf_ua_1_with_the_html_language_and_title():
    document = tagged_pdf(pdf.pdf_from_html(GOOD, stylesheet=STYLESHEET))

    assert ua_problems(document) == []
    assert (document.lang, document.title, document.ua_part) == ("en-GB", "A test document", "1")
    assert headings(document) == [(1, "Report"), (2, "Figures"), (2, "Last")]
    assert reading_text(document).startswith("Report First. Figures Month Count May 3")
    assert [figure.alt for figure in document.document.find("Figure")] == ["Three a month"]


@pytest.mark.parametrize("html, missing", [
    (page("<p>Hello</p>", lang=""), "lang"),
    (page("<p>Hello</p>", head=""), "title"),
])
def test_a_template_without_a_language_or_a_title_is_refused_not_printed(html, missing):
    with pytest.raises(ValueError, match=f"this one has no {missing}"):
        pdf.pdf_from_html(html, stylesheet=STYLESHEET)


def test_an_untagged_pdf_is_reported():
    from weasyprint import HTML

    untagged = HTML(string=GOOD).write_pdf()

    assert ua_problems(tagged_pdf(untagged)) == [
        "no structure tree (/StructTreeRoot): a screen reader gets an unordered stream of text"]


def test_a_table_without_header_cells_a_figure_without_text_and_a_skipped_heading_are_reported():
    content = pdf.pdf_from_html(page(
        "<h1>Report</h1><h3>Too deep</h3><table><tr><td>3</td><td>4</td></tr></table>"
        '<svg viewBox="0 0 10 10" width="40" height="40"><circle cx="5" cy="5" r="4"></circle></svg>'
    ), stylesheet=STYLESHEET)

    problems = ua_problems(tagged_pdf(content))

    assert "table 1 ('3 4') has no header cells" in problems
    assert "a cell of table 1 ('3') has no header" in problems
    assert "a figure has no alternative text (/Alt)" in problems
    assert "a heading skips from H1 to H3" in problems


def test_a_document_that_starts_below_h1_is_reported():
    content = pdf.pdf_from_html(page("<h2>Section</h2><p>Text.</p>"), stylesheet=STYLESHEET)
    assert ua_problems(tagged_pdf(content)) == ["the first heading is H2, not H1"]
