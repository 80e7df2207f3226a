"""Unicode fonts for the report, from registry packages, registered with ReportLab.

ReportLab's built-in fonts are Latin-1 only, so every character is set in the first font of
``FACES`` whose cmap has it: Noto Sans (Latin, Greek, Cyrillic), Noto Sans for other scripts,
symbols and the monochrome Noto Emoji (all from ``manimgx-fonts``), then Noto Sans SC/KR/JP/TC
(``justmytype-intl-cjk``). All are variable TrueType fonts (``glyf`` outlines, which ReportLab
can embed); ReportLab draws a variable font's default instance, so a weight other than the
default (bold, and the CJK fonts whose default is Thin) is cut with fontTools: subset to the
characters a report needs, then instanced at that weight, which takes a fraction of a second
where instancing a whole font takes many.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont as ToolsFont
from fontTools.varLib.instancer import instantiateVariableFont
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

REGULAR = 400
BOLD = 700
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Face:
    """One font file inside an installed package."""

    key: str
    package: str
    resource: str


_SCRIPTS = [
    "Arabic",
    "Hebrew",
    "Armenian",
    "Georgian",
    "Devanagari",
    "Bengali",
    "Gurmukhi",
    "Gujarati",
    "Oriya",
    "Tamil",
    "Telugu",
    "Kannada",
    "Malayalam",
    "Sinhala",
    "Thai",
    "Lao",
    "Khmer",
    "Myanmar",
    "Ethiopic",
]
_CJK = ("sc", "kr", "jp", "tc")

# Fallback order: the first face that has a character sets it.
FACES: tuple[Face, ...] = (
    Face("sans", "manimgx_fonts", "NotoSans[wght].ttf"),
    *(Face(s.lower(), "manimgx_fonts", f"NotoSans{s}[wght].ttf") for s in _SCRIPTS),
    Face("symbols", "manimgx_fonts", "NotoSansSymbols[wght].ttf"),
    Face("emoji", "manimgx_fonts", "NotoEmoji[wght].ttf"),
    # Last: their cmaps are large, so they are read only for characters no other face has.
    *(
        Face(c, "justmytype_intl_cjk", f"fonts/ofl/notosans{c}/NotoSans{c.upper()}[wght].ttf")
        for c in _CJK
    ),
)
PRIMARY = FACES[0]

# Characters the report's own labels use: always in the primary face's instances.
BASE_TEXT = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "".join(chr(c) for c in range(0xA0, 0x180))
    + "".join(chr(c) for c in range(0x2010, 0x2028))
    + "\u2212\u00d7\u2192\u2190"
    + REPLACEMENT
)

# ReportLab keeps registered fonts for the life of the process: keep only this many cut ones.
_MAX_CUT_FONTS = 48
_lock = threading.RLock()
_cut_fonts: OrderedDict[str, None] = OrderedDict()


@cache
def face_path(face: Face) -> Path | None:
    """Where the face's file is, or None when its package is not installed."""
    try:
        path = Path(str(files(face.package).joinpath(face.resource)))
    except ModuleNotFoundError:
        log.warning(
            "font package %s is not installed: its characters show as %s", face.package, REPLACEMENT
        )
        return None
    return path if path.is_file() else None


@cache
def _face_info(face: Face) -> tuple[frozenset[int], float | None]:
    """The face's code points and the default of its weight axis (None: not variable)."""
    path = face_path(face)
    if path is None:
        return frozenset(), None
    font = ToolsFont(str(path), lazy=True)
    codepoints = frozenset(font.getBestCmap())
    default = None
    if "fvar" in font:
        for axis in font["fvar"].axes:
            if axis.axisTag == "wght":
                default = float(axis.defaultValue)
    font.close()
    return codepoints, default


def covers(face: Face, codepoint: int) -> bool:
    return codepoint in _face_info(face)[0]


def needs_cut(face: Face, weight: int) -> bool:
    """Whether the face is variable and its default (what ReportLab draws) is not ``weight``."""
    default = _face_info(face)[1]
    return default is not None and default != weight


@lru_cache(maxsize=65536)
def face_for(codepoint: int) -> Face | None:
    """The first face with this character (None: no installed font has it)."""
    for face in FACES:
        if covers(face, codepoint):
            return face
    return None


def whole_font(face: Face) -> str:
    """Register the face's file as it is (its default weight); returns the font name."""
    name = f"Proctor-{face.key}"
    with _lock:
        if name not in pdfmetrics.getRegisteredFontNames():
            path = face_path(face)
            if path is None:
                raise LookupError(f"font package {face.package} is not installed")
            pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def _subset(face: Face, text: str) -> ToolsFont:
    path = face_path(face)
    if path is None:
        raise LookupError(f"font package {face.package} is not installed")
    font = ToolsFont(str(path), lazy=True)
    options = subset.Options()
    options.layout_features = []  # ReportLab sets glyphs one by one: no shaping tables needed
    options.hinting = False
    options.notdef_outline = True
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "STAT", "MVAR"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    return font


def _instance(font: ToolsFont, weight: int, font_name: str) -> bytes:
    axes = {axis.axisTag: axis for axis in font["fvar"].axes}
    wght = axes["wght"]
    location = {tag: axis.defaultValue for tag, axis in axes.items()}
    location["wght"] = float(min(max(weight, wght.minValue), wght.maxValue))
    static = instantiateVariableFont(font, location)
    # ReportLab shares one font object among fonts with the same PostScript name: make it unique.
    names = static["name"]
    for name_id in (1, 4, 6):
        names.removeNames(nameID=name_id)
        names.setName(font_name, name_id, 3, 1, 0x409)
        names.setName(font_name, name_id, 1, 0, 0)
    out = io.BytesIO()
    static.save(out)
    return out.getvalue()


def _forget(font_name: str) -> None:
    # ReportLab has no public way to unregister a font; these are its two registries.
    registered = getattr(pdfmetrics, "_fonts", {})
    dynamic = getattr(pdfmetrics, "_dynFaceNames", {})
    registered.pop(font_name, None)
    dynamic.pop(font_name, None)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap, with characters past U+FFFF as UTF-16 (surrogate pairs).

    ReportLab writes them as 5-digit hex, which PDF readers reject, so copied or extracted
    text loses every emoji; the rest of this is ReportLab's ``makeToUnicodeCMap`` as it is.
    """
    entries = [
        f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)
    ]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def cut_fonts(face: Face, wanted: Mapping[int, Iterable[int]]) -> dict[int, str]:
    """Register the face at each weight holding just these characters; returns the font names.

    The weights share one subsetting pass (the slow part for the large CJK fonts).
    """
    names: dict[int, str] = {}
    chars: dict[int, list[int]] = {}
    for weight, codepoints in wanted.items():
        chars[weight] = sorted(set(codepoints))
        digest = hashlib.sha1(",".join(map(str, chars[weight])).encode(), usedforsecurity=False)
        names[weight] = f"Proctor-{face.key}-{weight}-{digest.hexdigest()[:12]}"
    with _lock:
        missing = [w for w, name in names.items() if name not in _cut_fonts]
        if missing:
            union = sorted({c for w in missing for c in chars[w]})
            font = _subset(face, "".join(map(chr, union)))
            for weight in missing:
                data = _instance(font, weight, names[weight])
                pdfmetrics.registerFont(TTFont(names[weight], io.BytesIO(data)))
                _cut_fonts[names[weight]] = None
        for name in names.values():
            _cut_fonts.move_to_end(name)
        while len(_cut_fonts) > _MAX_CUT_FONTS:
            old, _ = _cut_fonts.popitem(last=False)
            if old not in names.values():
                _forget(old)
    return names
