"""What a screen reader gets from one of our PDFs: the structure tree, read back with pypdf.

Shared by the test of every document the product makes (the safety case, the hazard log, the board
report, the duty of candour letter), so that "tagged PDF/UA-1" is checked the same way for each.
`tagged_pdf(content)` reads a PDF; `ua_problems(document)` lists what breaks PDF/UA-1 as we check it;
`headings(document)` and `reading_text(document)` are what is read, in the order it is read.
"""

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject


@dataclass
class Element:
    """One structure element: its role (H1, Table, TH, Figure...), its alternative text, and what it holds."""

    role: str
    alt: str | None = None
    headers: list[str] = field(default_factory=list)  # a TD's /Headers: the ids of the TH cells that head it
    children: list["Element | str"] = field(default_factory=list)  # elements and text, in reading order

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def find(self, role: str) -> list["Element"]:
        return [element for element in self.walk() if element.role == role]

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    @property
    def words(self) -> str:
        """The text with each run of white space made one space, as it is read out."""
        return " ".join(self.text.split())


@dataclass
class TaggedPdf:
    document: Element | None  # the /Document element, None for an untagged PDF
    marked: bool
    lang: str | None
    title: str | None
    display_doc_title: bool
    ua_part: str | None  # pdfuaid:part in the XMP metadata: "1" for PDF/UA-1


def _resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _marked_content_text(reader: PdfReader) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence, keyed by (page object number, MCID). WeasyPrint wraps
    every run of text in its own BDC ... EMC with one BT ... ET inside, so pypdf's text visitor, which
    reports text at each ET, reports it inside the right sequence."""
    texts: dict[tuple[int, int], str] = defaultdict(str)
    for page in reader.pages:
        page_number = page.indirect_reference.idnum
        stack: list[int | None] = []

        def before(operator, operands, cm, tm):
            if operator == b"BDC":
                properties = _resolve(operands[1]) if len(operands) > 1 else None
                stack.append(properties.get("/MCID") if isinstance(properties, DictionaryObject) else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(value, cm, tm, font, size):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            if mcid is not None and value:
                texts[(page_number, int(mcid))] += value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def _element(node: DictionaryObject, texts, page_number: int | None) -> Element:
    page = _resolve(node.get("/Pg"))
    page_number = page.indirect_reference.idnum if page is not None and page.indirect_reference else page_number
    attributes = _resolve(node.get("/A"))
    headers = []
    if isinstance(attributes, DictionaryObject) and "/Headers" in attributes:
        headers = [str(h) for h in _resolve(attributes["/Headers"])]
    element = Element(role=str(node["/S"]).lstrip("/"), alt=str(node["/Alt"]) if "/Alt" in node else None,
                      headers=headers)
    kids = _resolve(node.get("/K"))
    if kids is None:
        return element
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        if isinstance(kid, int):  # an MCID on this element's page
            element.children.append(texts.get((page_number, int(kid)), ""))
            continue
        kid = _resolve(kid)
        if kid.get("/Type") == "/MCR":
            mcr_page = _resolve(kid.get("/Pg"))
            number = mcr_page.indirect_reference.idnum if mcr_page is not None else page_number
            element.children.append(texts.get((number, int(kid["/MCID"])), ""))
        elif kid.get("/Type") == "/OBJR":  # a link or form annotation: no text of its own
            continue
        else:
            element.children.append(_element(kid, texts, page_number))
    return element


PDF_FOLDER = Path(__file__).resolve().parent.parent / "var" / "pdfs"


def downloaded(response, name: str) -> bytes:
    """The PDF a download view answered with, also kept as var/pdfs/<name>.pdf for a person to look at
    (`pdftoppm -png -r 50 var/pdfs/<name>.pdf var/pdfs/<name>`)."""
    assert response.status_code == 200, f"{name}: answered {response.status_code}, not a PDF"
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    PDF_FOLDER.mkdir(parents=True, exist_ok=True)
    (PDF_FOLDER / f"{name}.pdf").write_bytes(response.content)
    return response.content


def page_text(content: bytes) -> str:
    """The text pypdf extracts page by page (as a copy and paste gets it), white space made single."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def tagged_pdf(content: bytes) -> TaggedPdf:
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    document = None
    if "/StructTreeRoot" in catalog:
        texts = _marked_content_text(reader)
        root = _resolve(catalog["/StructTreeRoot"])
        kids = _resolve(root["/K"])
        kids = kids if isinstance(kids, ArrayObject) else [kids]
        document = _element(_resolve(kids[0]), texts, None) if len(kids) == 1 else Element(
            role="(several roots)", children=[_element(_resolve(k), texts, None) for k in kids])
    mark_info = _resolve(catalog.get("/MarkInfo")) or {}
    viewer = _resolve(catalog.get("/ViewerPreferences")) or {}
    metadata = reader.trailer["/Root"].get("/Metadata")
    xmp = _resolve(metadata).get_data().decode("utf-8", "replace") if metadata is not None else ""
    part = re.search(r'pdfuaid:part(?:="|>)(\d)', xmp)
    info = reader.metadata
    return TaggedPdf(
        document=document,
        marked=bool(mark_info.get("/Marked")),
        lang=str(catalog["/Lang"]) if "/Lang" in catalog else None,
        title=info.title if info else None,
        display_doc_title=bool(viewer.get("/DisplayDocTitle")),
        ua_part=part.group(1) if part else None,
    )


HEADING = re.compile(r"H([1-6])$")


def headings(pdf: TaggedPdf) -> list[tuple[int, str]]:
    """Every heading as (level, text), in the order a screen reader reaches it."""
    return [(int(HEADING.match(e.role).group(1)), e.words)
            for e in pdf.document.walk() if HEADING.match(e.role)]


def reading_text(pdf: TaggedPdf) -> str:
    """All the text of the structure tree in reading order, with runs of white space made one space."""
    return pdf.document.words


def ua_problems(pdf: TaggedPdf) -> list[str]:
    """What a PDF/UA-1 checker would object to, of the things our documents can get wrong; empty when fine."""
    if pdf.document is None:
        return ["no structure tree (/StructTreeRoot): a screen reader gets an unordered stream of text"]
    problems = []
    if not pdf.marked:
        problems.append("not marked as tagged (/MarkInfo /Marked true)")
    if not pdf.lang:
        problems.append("no document language (/Lang)")
    if not pdf.title:
        problems.append("no document title (/Title)")
    if not pdf.display_doc_title:
        problems.append("the viewer shows the file name, not the title (/DisplayDocTitle)")
    if pdf.ua_part != "1":
        problems.append(f"the metadata does not claim PDF/UA-1 (pdfuaid:part is {pdf.ua_part})")
    for number, table in enumerate(pdf.document.find("Table"), start=1):
        if not table.find("TH"):
            problems.append(f"table {number} ({table.words[:40]!r}) has no header cells")
        for cell in table.find("TD"):
            if not cell.headers:
                problems.append(f"a cell of table {number} ({cell.words[:40]!r}) has no header")
    for figure in pdf.document.find("Figure"):
        if not (figure.alt or "").strip():
            problems.append("a figure has no alternative text (/Alt)")
    for number, lst in enumerate(pdf.document.find("L"), start=1):
        items = [child for child in lst.children if isinstance(child, Element)]
        if not items or any(item.role != "LI" or not item.find("LBody") for item in items):
            problems.append(f"list {number} ({lst.words[:40]!r}) is not made of list items")
    levels = [level for level, _ in headings(pdf)]
    if levels and levels[0] != 1:
        problems.append(f"the first heading is H{levels[0]}, not H1")
    for previous, level in zip(levels, levels[1:]):
        if level > previous + 1:
            problems.append(f"a heading skips from H{previous} to H{level}")
    return problems


def in_order(text: str, parts: list[str]) -> bool:
    """Whether each of parts is found in text after the one before it."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True
