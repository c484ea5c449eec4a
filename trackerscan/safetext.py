"""Untrusted strings made safe for where they go: a terminal, rich markup, a spreadsheet, XML.

Addresses, device names, notes, file names and USB product strings are chosen
by whoever made the file or the device.  Before any of them leaves the
program it goes through one of these functions:

- `printable`: terminal output.  Control characters (C0, DEL, C1), bidi and
  zero-width format characters, line separators and lone surrogates (from
  undecodable file names) are shown as visible escapes (``\\x1b``), so no
  escape sequence reaches the terminal and a line stays one line.
- `markup`: the same, then rich markup escaped (``[link=…]`` stays text).
- `csv_cell`: `printable`, then a leading ``=``, ``+``, ``-``, ``@``, tab or
  CR neutralised with a ``'`` as OWASP's "CSV injection" page describes, so a
  spreadsheet never runs a cell as a formula.
- `xml_text`: drops what XML 1.0 cannot carry (most control characters,
  surrogates, U+FFFE/U+FFFF).

And one test for a number read from such a string: `is_digits` (ASCII 0-9
only, and not too many; `str.isdigit` also takes ``²``, on which `int` raises).

Advertisement contents are never printed as text: they are shown as hex.
"""

from __future__ import annotations

import re

# Shown escaped in terminal text: C0 and C1 controls, DEL, zero-width and bidi format characters
# (U+200B-U+200F, U+202A-U+202E, U+2066-U+2069), line/paragraph separators, BOM, lone surrogates.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)
# Not allowed in an XML 1.0 document at all: every character but tab, LF, CR, U+0020-U+D7FF,
# U+E000-U+FFFD and U+10000-U+10FFFF.  Written as the characters left out (the same set: tested on
# every code point), which compiles in 0.3 ms instead of 7 ms at the import of every command.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(text: object) -> str:
    """``text`` as a string a terminal shows as it is: control and format characters escaped."""
    s = text if isinstance(text, str) else str(text)
    return s if _UNPRINTABLE.search(s) is None else _UNPRINTABLE.sub(_escape, s)


def markup(text: object) -> str:
    """`printable`, with rich markup escaped: safe inside a string given to rich."""
    from rich.markup import escape  # here: most commands never load rich

    return escape(printable(text))


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: strings made `printable`, formulas neutralised.

    Numbers, booleans and None pass unchanged (a negative RSSI stays a number).
    """
    if not isinstance(value, str):
        return value
    s = printable(value)
    return "'" + s if s.startswith(_FORMULA_START) else s


def xml_text(text: object) -> str:
    """``text`` without the characters an XML 1.0 document cannot contain."""
    s = text if isinstance(text, str) else str(text)
    return s if _NOT_XML.search(s) is None else _NOT_XML.sub("", s)


# The most digits `is_digits` takes: every number read this way (a port, a pid, a baud rate, an index)
# fits in 18; int() refuses over 4,300 digits with a ValueError of its own.
MAX_DIGITS = 18


def is_digits(text: str) -> bool:
    """Whether ``text`` is 1 to `MAX_DIGITS` ASCII digits, so that ``int(text)`` reads it."""
    return len(text) <= MAX_DIGITS and text.isascii() and text.isdigit()
