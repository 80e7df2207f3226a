"""Font fallback, weights cut from variable fonts, escaping and bidi of user text."""

from __future__ import annotations

import io

from fontTools.pens.areaPen import AreaPen
from fontTools.ttLib import TTFont
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from proctor.reports import fonts
from proctor.reports.fonts import Face
from proctor.reports.text import FontKit, starts_rtl, visual

HIEROGLYPH = "\U00013000"  # no packaged font has Egyptian hieroglyphs


def _face_of(kit: FontKit, font_name: str) -> str:
    return next(key for (key, _), name in kit.names.items() if name == font_name)


def test_each_script_goes_to_a_font_that_has_it() -> None:
    text = "Ada 李雷 😀 Ελένη Жанна 한국"
    kit = FontKit.for_text([text])
    faces = [(_face_of(kit, name), chunk) for name, chunk in kit.runs(text)]
    assert faces == [
        ("sans", "Ada "),
        ("sc", "李雷"),
        ("sans", " "),
        ("emoji", "😀"),
        ("sans", " Ελένη Жанна "),
        ("kr", "한국"),
    ]


def test_a_character_no_font_has_becomes_a_visible_replacement() -> None:
    kit = FontKit.for_text([f"a{HIEROGLYPH}b"])
    assert kit.runs(f"a{HIEROGLYPH}b") == [(kit.font(), "a\ufffdb")]


def test_invisible_modifiers_and_controls_are_dropped() -> None:
    kit = FontKit.for_text(["x"])
    text = "❤\ufe0f a\u200db\x00c\x07\td"
    assert "".join(chunk for _, chunk in kit.runs(text)) == "❤ abc d"


def test_markup_escapes_and_keeps_line_breaks() -> None:
    kit = FontKit.for_text([])
    markup = kit.markup('<b>x</b> & <font name="Courier">\nnext')
    assert "<b>" not in markup
    assert '&lt;b&gt;x&lt;/b&gt; &amp; &lt;font name="Courier"&gt;<br/>next' in markup
    paragraph = Paragraph(markup)
    paragraph.wrap(400, 100)
    assert [line for line in paragraph.blPara.lines if line]  # parses without error


def test_bold_is_a_real_heavier_cut() -> None:
    kit = FontKit.for_text(["Hello"], bold=["Hello"])
    regular, bold = kit.font(), kit.font(bold=True)
    assert regular != bold
    assert stringWidth("Hello", bold, 10) > stringWidth("Hello", regular, 10)


def _ink(font_bytes: bytes, char: str) -> float:
    font = TTFont(io.BytesIO(font_bytes))
    glyph = font.getBestCmap()[ord(char)]
    pen = AreaPen(font.getGlyphSet())
    font.getGlyphSet()[glyph].draw(pen)
    return abs(float(pen.value))


def test_cjk_is_cut_at_regular_weight_not_the_thin_default() -> None:
    face = next(f for f in fonts.FACES if f.key == "sc")
    assert fonts.needs_cut(face, fonts.REGULAR)  # its default instance is Thin (100)
    subset = fonts._subset(face, "李")
    thin = _ink(fonts._instance(subset, 100, "Test-Thin"), "李")
    regular = _ink(fonts._instance(fonts._subset(face, "李"), 400, "Test-Regular"), "李")
    assert regular > 1.8 * thin


def test_cut_fonts_are_reused_for_the_same_characters() -> None:
    first = FontKit.for_text(["王小明"])
    second = FontKit.for_text(["明小王"])
    assert first.names[("sc", fonts.REGULAR)] == second.names[("sc", fonts.REGULAR)]
    third = FontKit.for_text(["王小明 李"])
    assert third.names[("sc", fonts.REGULAR)] != first.names[("sc", fonts.REGULAR)]


def test_a_missing_font_package_is_no_error() -> None:
    face = Face("nothing", "no_such_font_package", "None.ttf")
    assert fonts.face_path(face) is None
    assert not fonts.covers(face, ord("a"))


def test_right_to_left_is_put_in_visual_order() -> None:
    assert visual("שלום") == "םולש"
    assert visual("(שלום) ok") == "ok (םולש)"  # a right-to-left line, brackets mirrored
    assert visual("ok (שלום)") == "ok (םולש)"
    assert visual("abc") == "abc"
    arabic = visual("مرحبا")
    assert all(0xFE70 <= ord(c) <= 0xFEFF for c in arabic)  # joined letter forms
    assert starts_rtl("  مرحبا world")
    assert not starts_rtl("hello مرحبا")


def test_right_to_left_lines_wrap_in_reading_order() -> None:
    kit = FontKit.for_text(["אחת שתיים שלוש ארבע"])
    wrapped = kit.wrap("אחת שתיים שלוש ארבע", 10, kit.width("אחת שתיים", 10) + 1)
    assert wrapped == "אחת שתיים\nשלוש ארבע"
    shown = "".join(chunk for _, chunk in kit.runs(wrapped))
    assert shown == "םייתש תחא\nעברא שולש"
    markup = kit.markup("אחת שתיים שלוש ארבע", size=10, width=kit.width("אחת שתיים", 10) + 1)
    assert markup.count("<br/>") == 1


def test_fit_cuts_with_an_ellipsis() -> None:
    kit = FontKit.for_text([])
    assert kit.fit("short", 8, 200) == "short"
    cut = kit.fit("a rather long label for a narrow place", 8, 60)
    assert cut.endswith("…")
    assert kit.width(cut, 8) <= 60
