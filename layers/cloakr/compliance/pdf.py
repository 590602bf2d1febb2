"""A minimal PDF 1.4 writer for compliance reports: pages of text and a bar chart, nothing else.

Reports need a PDF with one chart, and a PDF library (reportlab, matplotlib) would add megabytes of wheels to every
function's layer. The subset of PDF needed is small: Helvetica text (a standard font, so nothing is embedded),
filled rectangles and a cross-reference table. Text is limited to Latin-1, which the standard fonts cover; other
characters are replaced, and report content is ours (counts, type names, dates), never user text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 50
LINE_HEIGHT = 14
BAR_COLOURS = ((0.18, 0.40, 0.65), (0.85, 0.45, 0.15))


def _escape(text: str) -> str:
    latin = text.encode("latin-1", "replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


@dataclass
class _Page:
    ops: list[str] = field(default_factory=list)
    y: float = PAGE_HEIGHT - MARGIN


class PdfDocument:
    """Flowing text and charts top to bottom, starting new pages as needed."""

    def __init__(self) -> None:
        self.pages: list[_Page] = [_Page()]

    @property
    def _page(self) -> _Page:
        return self.pages[-1]

    def _room(self, height: float) -> None:
        if self._page.y - height < MARGIN:
            self.pages.append(_Page())

    def text(self, line: str, size: int = 10, bold: bool = False, indent: float = 0) -> None:
        self._room(LINE_HEIGHT * size / 10)
        page = self._page
        page.y -= LINE_HEIGHT * size / 10
        font = "F2" if bold else "F1"
        page.ops.append(f"BT /{font} {size} Tf {MARGIN + indent:.1f} {page.y:.1f} Td ({_escape(line)}) Tj ET")

    def space(self, points: float = LINE_HEIGHT) -> None:
        self._page.y -= points

    def bar_chart(self, title: str, values: dict[str, int], max_bars: int = 15) -> None:
        """Horizontal bars, largest first; labels on the left, values at the bar ends."""
        items = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:max_bars]
        self.text(title, size=12, bold=True)
        if not items:
            self.text("(no data in this period)", indent=10)
            return
        bar_height, gap, label_width = 12, 6, 200
        self._room(len(items) * (bar_height + gap) + gap)
        page = self._page
        top = max(v for _, v in items) or 1
        width = PAGE_WIDTH - 2 * MARGIN - label_width - 60
        for i, (label, value) in enumerate(items):
            page.y -= bar_height + gap
            r, g, b = BAR_COLOURS[i % len(BAR_COLOURS)]
            length = max(1.0, width * value / top)
            page.ops.append(f"BT /F1 9 Tf {MARGIN:.1f} {page.y + 2:.1f} Td ({_escape(label[:40])}) Tj ET")
            page.ops.append(f"{r} {g} {b} rg {MARGIN + label_width:.1f} {page.y:.1f} {length:.1f} {bar_height} re f 0 g")
            page.ops.append(f"BT /F1 9 Tf {MARGIN + label_width + length + 4:.1f} {page.y + 2:.1f} Td ({value}) Tj ET")
        page.y -= gap

    def render(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        catalog = add(b"")  # filled in once the page tree's number is known
        pages_id = add(b"")
        regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
        kids = []
        for number, page in enumerate(self.pages, start=1):
            footer = f"BT /F1 8 Tf {PAGE_WIDTH - MARGIN - 40} {MARGIN / 2:.1f} Td (Page {number} of {len(self.pages)}) Tj ET"
            stream = "\n".join([*page.ops, footer]).encode("latin-1")
            content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
            kids.append(add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
                f"/Resources << /Font << /F1 {regular} 0 R /F2 {bold} 0 R >> >> /Contents {content} 0 R >>".encode()
            ))
        objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode()
        objects[pages_id - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
        return bytes(out)
