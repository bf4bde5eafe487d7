"""Decode the bytes of text formats, and normalize extracted text.

Text decoding (text formats): a byte-order mark selects UTF-8, UTF-16 or UTF-32; BOM-less UTF-16
is recognised when its NUL-byte pattern is unmistakable; otherwise strict UTF-8, then strict
Windows-1252, and only if the result is plausibly text (almost no control characters). Latin-1
is never used as a fallback, because it decodes any bytes at all, binary included.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Final

from sluiceway.documents.common import RawText, display_name
from sluiceway.errors import TextDecodingError

__all__ = ["BOMS", "decode_text", "extract_plain", "normalize_text"]


_NORMALIZE_TABLE: Final = {
    0x0B: "\n",  # vertical tab
    0x0C: "\n\n",  # form feed (page break)
    0x85: "\n",  # next line
    0x2028: "\n",  # line separator
    0x2029: "\n\n",  # paragraph separator
    0xFEFF: None,  # stray byte-order marks / zero width no-break space
}
_CONTROL_CHARS_RE: Final = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_TRAILING_WS_RE: Final = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_LINES_RE: Final = re.compile(r"\n{3,}")
_IMPLAUSIBLE_RE: Final = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def normalize_text(text: str) -> str:
    """Normalize extracted text.

    ``\\r\\n`` and ``\\r`` become ``\\n``; form feeds, vertical tabs and Unicode line/paragraph
    separators become line breaks; NUL, stray BOMs and other C0/C1 control characters (except tab
    and newline) are removed; Unicode is NFC-composed; trailing whitespace is trimmed from every
    line; runs of more than one blank line collapse to a single blank line (the paragraph
    separator); leading blank lines and trailing whitespace are removed.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_NORMALIZE_TABLE)
    text = _CONTROL_CHARS_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_WS_RE.sub("", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip("\n").rstrip()


def decode_text(data: bytes, filename: str) -> tuple[str, str]:
    """Decode the bytes of a text file; return ``(text, encoding)``.

    Order: BOM (UTF-32 LE/BE, UTF-8, UTF-16 LE/BE), BOM-less UTF-16 (only when its NUL pattern is
    unmistakable), strict UTF-8, strict Windows-1252. Every result must be plausibly text (at most
    about 1% control characters other than tab, newline, carriage return and form feed). Raises
    ``TextDecodingError`` otherwise; never falls back to Latin-1.
    """
    name = display_name(filename)
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise TextDecodingError(
                    f"{name} starts with a {codec.upper()} byte-order mark but is not valid "
                    f"{codec.upper()}: {exc.reason} at byte {exc.start + len(bom)}"
                ) from exc
            encoding = "utf-8-sig" if codec == "utf-8" else codec
            _check_plausible(text, name, encoding)
            return text, encoding

    utf16 = _sniff_bomless_utf16(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:
            _check_plausible(text, name, utf16)
            return text, utf16

    nuls = data.count(0)
    if nuls:
        raise TextDecodingError(
            f"{name} is not a text file: it contains {nuls} NUL byte{'s' if nuls != 1 else ''}, "
            "which means binary data"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as cp_error:
            bad = data[cp_error.start]
            raise TextDecodingError(
                f"{name} is not readable text: it is not valid UTF-8 ({utf8_error.reason} at byte "
                f"{utf8_error.start}) nor Windows-1252 (byte 0x{bad:02X} at offset "
                f"{cp_error.start} is undefined there); save it as UTF-8 and upload it again"
            ) from cp_error
        _check_plausible(text, name, "cp1252")
        return text, "cp1252"
    _check_plausible(text, name, "utf-8")
    return text, "utf-8"


def _sniff_bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM, recognised only when mostly-ASCII text makes it unmistakable."""
    sample = data[:4096]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    pairs = len(odd)
    even_nuls, odd_nuls = even.count(0), odd.count(0)
    if odd_nuls >= 0.7 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.7 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _check_plausible(text: str, name: str, encoding: str) -> None:
    bad = len(_IMPLAUSIBLE_RE.findall(text))
    if bad > max(1, len(text) // 100):
        raise TextDecodingError(
            f"{name} is not a text file: decoded as {encoding}, {bad} of its {len(text)} "
            "characters are control characters, which means binary data"
        )


def extract_plain(data: bytes, name: str) -> RawText:
    """Plain text: the decoded bytes as they are."""
    text, encoding = decode_text(data, name)
    return RawText(text=text, encoding=encoding)
