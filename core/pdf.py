"""HTML to PDF with WeasyPrint, for every document people download (a hazard log, a safety case, a
duty of candour letter). One place for the two things each needs: a URL fetcher that reads our own
static files and nothing else, and a clear message when the server has no Pango to lay text out."""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; one PDF would fill the log with a dozen lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PdfUnavailable(Exception):
    """The server cannot render PDFs; the message says why, for the person who asked."""


def static_roots() -> list[Path]:
    return [Path(root).resolve() for root in settings.STATICFILES_DIRS]


def url_fetcher():
    """WeasyPrint may read our own static files and data: URLs, nothing else: a document never
    makes a network request, whatever ends up in its HTML."""
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
    """Render a Django template to a PDF with a print stylesheet (a path under the static root)."""
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
    html = render_to_string(template_name, context)
    css = CSS(filename=str(static_root / stylesheet), url_fetcher=fetcher)
    return HTML(string=html, base_url=static_root.as_uri() + "/", url_fetcher=fetcher).write_pdf(stylesheets=[css])
