"""HTML to PDF with WeasyPrint, for every document people download (a hazard log, a safety case, a
board report, a duty of candour letter). One place for the three things each needs: a URL fetcher
that reads our own static files and nothing else, a clear message when the server has no Pango to lay
text out, and tagged PDF/UA-1, so that a screen reader reads the document's headings, tables, lists
and figures in order (the structure tree is made from the HTML's elements)."""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; one PDF would fill the log with a dozen lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


# PDF/UA-1 is PDF 1.7 with a structure tree, the language and the title; WeasyPrint takes the
# language from <html lang> and the title from <title>, a figure's text from its alt or SVG <title>.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


class PdfUnavailable(Exception):
    """The server cannot render PDFs; the message says why, for the person who asked."""


def static_roots() -> list[Path]:
    return [Path(root).resolve() for root in settings.STATICFILES_DIRS]


def url_fetcher():
    """WeasyPrint may read our own static files and data: URLs, nothing else: a document never
    makes a network request, whatever ends up in its HTML."""
    # Imported here, not at the top: WeasyPrint loads Pango when imported, which a server may lack.
    from weasyprint.urls import URLFetcher, URLFetchingError

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in static_roots()):
                    return super().fetch(url, headers)
            raise URLFetchingError(f"Documents only use MedSafety Hub's own static files, not {url}")

    return StaticFilesOnly(allowed_protocols=("file", "data"))


def pdf_from_template(template_name: str, context: dict, *, stylesheet: str) -> bytes:
    """Render a Django template to a tagged PDF/UA-1 with a print stylesheet (a path under the static root)."""
    return pdf_from_html(render_to_string(template_name, context), stylesheet=stylesheet)


def pdf_from_html(html: str, *, stylesheet: str) -> bytes:
    """An HTML document as a tagged PDF/UA-1. A document without a language or a title is a mistake
    in its template, not something to print: PDF/UA needs both, and a reader hears the title first."""
    try:
        from weasyprint import CSS, HTML
    except OSError as error:  # WeasyPrint is installed but the Pango library it loads is not
        logger.error("PDF rendering unavailable: %s", error)
        raise PdfUnavailable(
            "PDF download is not available on this server: the Pango text layout library is missing. "
            "Ask your administrator to install Pango; everything else on this page still works."
        ) from error

    fetcher = url_fetcher()
    static_root = static_roots()[0]
    css = CSS(filename=str(static_root / stylesheet), url_fetcher=fetcher)
    document = HTML(string=html, base_url=static_root.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[css], **PDF_OPTIONS
    )
    missing = [name for name in ("lang", "title") if not (getattr(document.metadata, name) or "").strip()]
    if missing:
        raise ValueError(f"A PDF needs <html lang> and a <title> (PDF/UA-1); this one has no {' or '.join(missing)}")
    return document.write_pdf(**PDF_OPTIONS)
