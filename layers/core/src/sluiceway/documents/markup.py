"""Read the text of HTML (``html.parser``) and Markdown documents."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Final

from sluiceway.documents.common import RawText, describe_error
from sluiceway.documents.text import decode_text
from sluiceway.errors import CorruptDocument

__all__ = ["extract_html", "extract_markdown", "strip_markdown_inline"]


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


_HTML_SKIP: Final = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe"})
_HTML_PARAGRAPH: Final = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl",
        "section", "article", "header", "footer", "nav", "aside", "main", "address", "figure",
        "form", "fieldset", "hr", "details", "body",
    }
)  # fmt: skip
_HTML_LINE: Final = frozenset(
    {"br", "li", "tr", "div", "dt", "dd", "figcaption", "caption", "summary", "legend", "option"}
)
_HTML_META: Final = {"description": "description", "author": "author", "keywords": "keywords"}
_WS_RE: Final = re.compile(r"\s+")


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0
        self.pending_newlines = 0
        self.pending_space = False
        self.cells_in_row = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.h1_depth = 0
        self.h1_parts: list[str] = []
        self.h1_done = False
        self.metadata: dict[str, str] = {}

    # -- output management
    def _break(self, newlines: int) -> None:
        self.pending_newlines = max(self.pending_newlines, newlines)
        self.pending_space = False

    def _emit(self, text: str) -> None:
        if self.out and self.pending_newlines:
            self.out.append("\n" * self.pending_newlines)
        elif self.out and self.pending_space and not self.out[-1].endswith((" ", "\n")):
            self.out.append(" ")
        self.pending_newlines = 0
        self.pending_space = False
        self.out.append(text)

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_SKIP:
            self.skip_depth += 1
            return
        if tag == "title":
            self.in_title = True
        elif tag == "h1" and not self.h1_done:
            self.h1_depth += 1
        elif tag == "html":
            lang = dict(attrs).get("lang")
            if lang:
                self.metadata["lang"] = lang.strip()
        elif tag == "meta":
            attributes = dict(attrs)
            label = _HTML_META.get((attributes.get("name") or "").lower())
            content = attributes.get("content")
            if label and content and content.strip():
                self.metadata[label] = " ".join(content.split())
        if tag == "pre":
            self.pre_depth += 1
        if tag in ("td", "th"):
            if self.cells_in_row and self.out and not self.pending_newlines:
                self.out.append(" | ")
                self.pending_space = False
            self.cells_in_row += 1
        elif tag == "tr":
            self.cells_in_row = 0
        if tag in _HTML_PARAGRAPH:
            self._break(2)
        elif tag in _HTML_LINE:
            self._break(1)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag == "title":
            self.in_title = False
        elif tag == "h1" and self.h1_depth:
            self.h1_depth -= 1
            if not self.h1_depth and "".join(self.h1_parts).strip():
                self.h1_done = True
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        if tag in _HTML_PARAGRAPH:
            self._break(2)
        elif tag in _HTML_LINE and tag != "br":
            self._break(1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.h1_depth:
            self.h1_parts.append(data)
        if self.pre_depth:
            self._emit(data)
            return
        if not data:
            return
        collapsed = _WS_RE.sub(" ", data)
        if collapsed.strip():
            if collapsed[0] == " ":
                self.pending_space = True
            self._emit(collapsed.strip())
        if collapsed[-1] == " ":
            self.pending_space = not self.pending_newlines


def extract_html(data: bytes, name: str) -> RawText:
    source, encoding = decode_text(data, name)
    parser = _HTMLText()
    try:
        parser.feed(source)
        parser.close()
    except Exception as exc:  # html.parser is lenient; this is a last-resort guard
        raise CorruptDocument(f"{name} is not readable HTML: {describe_error(exc)}") from exc
    title = "".join(parser.title_parts).strip() or "".join(parser.h1_parts).strip() or None
    return RawText(
        text="".join(parser.out), title=title, encoding=encoding, metadata=parser.metadata
    )


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------


_MD_HEADING_RE: Final = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_MD_FENCE_RE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_RULE_RE: Final = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_MD_SETEXT_H1_RE: Final = re.compile(r"^ {0,3}=+[ \t]*$")
_MD_SETEXT_H2_RE: Final = re.compile(r"^ {0,3}-+[ \t]*$")
_MD_TABLE_SEP_RE: Final = re.compile(r"^ *\|?(?: *:?-+:? *\|)+(?: *:?-+:? *)?\|? *$")
_MD_REF_DEF_RE: Final = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+.*$")
_MD_QUOTE_RE: Final = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_MD_BULLET_RE: Final = re.compile(r"^([ \t]*)[*+-][ \t]+")
_MD_COMMENT_RE: Final = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_FRONT_KEY_RE: Final = re.compile(r"^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*)$")

_MD_ESCAPE_RE: Final = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_MD_CODE_RE: Final = re.compile(r"(`+)(.+?)\1")
_MD_IMAGE_RE: Final = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK_RE: Final = re.compile(r"\[([^\]]+)\]\([^)\s]*(?:[ \t]+(?:\"[^\"]*\"|'[^']*'))?\)")
_MD_REF_LINK_RE: Final = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_AUTOLINK_RE: Final = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+|[^@\s<>]+@[^@\s<>]+)>")
_MD_STRONG_RE: Final = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM_STAR_RE: Final = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_MD_EM_UNDERSCORE_RE: Final = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_MD_STRIKE_RE: Final = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_ESCAPE_BASE: Final = 0xE000  # private-use code points stand in for escaped characters


def strip_markdown_inline(line: str) -> str:
    """Remove inline Markdown markup: emphasis, code spans, links and images (keeping their text)."""
    line = _MD_ESCAPE_RE.sub(lambda m: chr(_ESCAPE_BASE + ord(m.group(1))), line)
    line = _MD_CODE_RE.sub(lambda m: m.group(2).strip(), line)
    line = _MD_IMAGE_RE.sub(r"\1", line)
    line = _MD_LINK_RE.sub(r"\1", line)
    line = _MD_REF_LINK_RE.sub(r"\1", line)
    line = _MD_AUTOLINK_RE.sub(r"\1", line)
    for _ in range(2):  # nested emphasis such as ***word*** or **_word_**
        line = _MD_STRONG_RE.sub(r"\2", line)
        line = _MD_EM_STAR_RE.sub(r"\1", line)
        line = _MD_EM_UNDERSCORE_RE.sub(r"\1", line)
        line = _MD_STRIKE_RE.sub(r"\1", line)
    return "".join(
        chr(ord(c) - _ESCAPE_BASE) if _ESCAPE_BASE <= ord(c) < _ESCAPE_BASE + 128 else c
        for c in line
    )


def _markdown_to_text(source: str) -> tuple[str, str | None, dict[str, str]]:
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    metadata: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for end in range(1, min(len(lines), 100)):
            if lines[end].strip() in ("---", "..."):
                for entry in lines[1:end]:
                    match = _MD_FRONT_KEY_RE.match(entry)
                    if match and match.group(2).strip():
                        metadata[match.group(1).lower()] = match.group(2).strip().strip("\"'")
                lines = lines[end + 1 :]
                break
    text = _MD_COMMENT_RE.sub("", "\n".join(lines))

    out: list[str] = []
    headings: list[tuple[int, str]] = []
    fence: str | None = None
    previous_source_blank = True
    for line in text.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            else:
                out.append(line)
            continue
        fence_match = _MD_FENCE_RE.match(line)
        if fence_match:
            fence = fence_match.group(1)
            previous_source_blank = False
            continue
        line = _MD_QUOTE_RE.sub("", line)
        blank = not line.strip()
        heading = _MD_HEADING_RE.match(line)
        if heading:
            content = strip_markdown_inline(heading.group(2) or "").strip()
            if content:
                headings.append((len(heading.group(1)), content))
                out.extend(["", content, ""])
        elif not previous_source_blank and (
            _MD_SETEXT_H1_RE.match(line) or _MD_SETEXT_H2_RE.match(line)
        ):
            if out and out[-1].strip():
                level = 1 if "=" in line else 2
                headings.append((level, out[-1].strip()))
                out.append("")
        elif _MD_TABLE_SEP_RE.match(line) or _MD_REF_DEF_RE.match(line):
            pass
        elif _MD_RULE_RE.match(line):
            out.append("")
        else:
            line = _MD_BULLET_RE.sub(r"\1- ", line)
            stripped = line.strip()
            if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
                cells = re.split(r"(?<!\\)\|", stripped[1:-1])
                line = " | ".join(strip_markdown_inline(cell.strip()) for cell in cells)
            else:
                line = strip_markdown_inline(line)
            out.append(line)
        previous_source_blank = blank

    title = metadata.get("title")
    if not title and headings:
        top = min(level for level, _ in headings)
        title = next(content for level, content in headings if level == top)
    return "\n".join(out), title or None, metadata


def extract_markdown(data: bytes, name: str) -> RawText:
    source, encoding = decode_text(data, name)
    text, title, metadata = _markdown_to_text(source)
    return RawText(text=text, title=title, encoding=encoding, metadata=metadata)
