"""Any user text as ReportLab markup: escaped, in visual order, split into runs by font.

ReportLab paragraphs parse markup, so text is escaped (``<b>`` stays literal); it has no font
fallback, so each character goes in a ``<font name=..>`` run of a font that has it; and it does
no bidi, so right-to-left text is put in visual order (Arabic also in its joined letter forms).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi.algorithm import get_display  # this one mirrors brackets in RTL runs
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from proctor.reports import fonts
from proctor.reports.fonts import BOLD, REGULAR, REPLACEMENT, Face

# Zero-width characters that only modify their neighbours (joiners, variation selectors): without
# shaping they would show as boxes, so they are left out.
_MODIFIERS = frozenset(
    [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10), *range(0xE0020, 0xE0080)]
)


def _is_rtl(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("R", "AL")


def _is_arabic(char: str) -> bool:
    return unicodedata.bidirectional(char) == "AL"


def clean(text: str) -> str:
    """NFC, tabs as spaces, control and unassigned characters out (newlines stay)."""
    text = unicodedata.normalize("NFC", text).replace("\t", " ").replace("\r\n", "\n")
    return "".join(
        c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cs", "Co", "Cn")
    )


def has_rtl(text: str) -> bool:
    return any(_is_rtl(c) for c in text)


def starts_rtl(text: str) -> bool:
    """Whether the first letter with a strong direction is right-to-left (so: align right)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def visual(text: str) -> str:
    """Text as it is drawn left to right: cleaned, each line's RTL runs reordered."""
    text = clean(text)
    if not has_rtl(text):
        return text
    lines = []
    for line in text.split("\n"):
        if any(_is_arabic(c) for c in line):
            line = str(arabic_reshaper.reshape(line))
        lines.append(str(get_display(line)))
    return "\n".join(lines)


@dataclass
class FontKit:
    """The fonts of one report, cut for the characters that its text uses."""

    names: dict[tuple[str, int], str] = field(default_factory=dict)
    # What each cut font holds; None for a whole font file, which holds all its face has.
    cut_chars: dict[tuple[str, int], frozenset[int] | None] = field(default_factory=dict)

    @classmethod
    def for_text(cls, regular: Iterable[str], bold: Iterable[str] = ()) -> FontKit:
        """Prepare fonts for every text the report sets in regular and in bold weight."""
        kit = cls()
        base = set(map(ord, fonts.BASE_TEXT))
        wanted: dict[Face, dict[int, set[int]]] = {fonts.PRIMARY: {REGULAR: set(base), BOLD: base}}
        for weight, texts in ((REGULAR, regular), (BOLD, bold)):
            for text in texts:
                for char in visual(text):
                    face = fonts.face_for(ord(char))
                    if face is not None:
                        wanted.setdefault(face, {}).setdefault(weight, set()).add(ord(char))
        for face, weights in wanted.items():
            cut = {w: chars for w, chars in weights.items() if fonts.needs_cut(face, w)}
            for weight, name in fonts.cut_fonts(face, cut).items() if cut else ():
                kit.names[(face.key, weight)] = name
                kit.cut_chars[(face.key, weight)] = frozenset(
                    c for c in cut[weight] if fonts.covers(face, c)
                )
            for weight in weights.keys() - cut.keys():
                kit.names[(face.key, weight)] = fonts.whole_font(face)
                kit.cut_chars[(face.key, weight)] = None
        return kit

    def font(self, *, bold: bool = False) -> str:
        """The primary font: for table cells and canvas text known to be plain Latin."""
        return self.names[(fonts.PRIMARY.key, BOLD if bold else REGULAR)]

    def _font_for(self, face: Face, codepoint: int, weight: int) -> str | None:
        for w in (weight, REGULAR) if weight != REGULAR else (REGULAR,):
            key = (face.key, w)
            name = self.names.get(key)
            chars = self.cut_chars.get(key)
            if name is not None and (chars is None or codepoint in chars):
                return name
        if not fonts.needs_cut(face, REGULAR):
            return self.names.setdefault((face.key, REGULAR), fonts.whole_font(face))
        return None

    def runs(self, text: str, *, bold: bool = False) -> list[tuple[str, str]]:
        """``(font name, text)`` pieces in drawing order; missing glyphs become U+FFFD."""
        weight = BOLD if bold else REGULAR
        fallback = self.font(bold=bold)
        out: list[tuple[str, str]] = []
        for char in visual(text):
            code = ord(char)
            if code in _MODIFIERS:
                continue
            face = fonts.face_for(code) if char != "\n" else fonts.PRIMARY
            name = self._font_for(face, code, weight) if face is not None else None
            if name is None:
                name, char = fallback, REPLACEMENT
            if out and out[-1][0] == name:
                out[-1] = (name, out[-1][1] + char)
            else:
                out.append((name, char))
        return out

    def wrap(self, text: str, size: float, max_width: float, *, bold: bool = False) -> str:
        """Break lines at spaces to fit ``max_width`` (before bidi, which works per line)."""
        lines: list[str] = []
        for paragraph in clean(text).split("\n"):
            line = ""
            for word in paragraph.split(" "):
                longer = f"{line} {word}" if line else word
                if line and self.width(longer, size, bold=bold) > max_width:
                    lines.append(line)
                    line = word
                else:
                    line = longer
            lines.append(line)
        return "\n".join(lines)

    def markup(
        self, text: str, *, bold: bool = False, size: float = 8.0, width: float | None = None
    ) -> str:
        """Paragraph markup that shows ``text`` literally, line breaks kept.

        Right-to-left text given a ``width`` is broken into lines here: ReportLab would break
        the already reordered text, which puts the end of a sentence on its first line.
        """
        if width is not None and has_rtl(text):
            text = self.wrap(text, size, width, bold=bold)
        return "".join(
            f'<font name="{name}">{escape(chunk).replace(chr(10), "<br/>")}</font>'
            for name, chunk in self.runs(text, bold=bold)
        )

    def width(self, text: str, size: float, *, bold: bool = False) -> float:
        runs = self.runs(text, bold=bold)
        return float(sum(stringWidth(chunk, name, size) for name, chunk in runs))

    def fit(self, text: str, size: float, max_width: float, *, bold: bool = False) -> str:
        """The text, cut with an ellipsis to fit ``max_width`` on one line."""
        if self.width(text, size, bold=bold) <= max_width:
            return text
        while text and self.width(text + "…", size, bold=bold) > max_width:
            text = text[:-1]
        return text + "…"

    def draw(
        self,
        canvas: Canvas,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        align: str = "left",
    ) -> None:
        """Draw one line on a canvas, switching fonts per run."""
        runs = self.runs(text.replace("\n", " "), bold=bold)
        total = sum(stringWidth(chunk, name, size) for name, chunk in runs)
        if align == "right":
            x -= total
        elif align == "center":
            x -= total / 2
        for name, chunk in runs:
            canvas.setFont(name, size)
            canvas.drawString(x, y, chunk)
            x += stringWidth(chunk, name, size)
