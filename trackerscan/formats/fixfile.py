"""A file of positions whatever its format: an NMEA log or a GPX track, told apart by its first bytes.

One reader for every caller that takes "a GPS file" (the replay source, `trackerscan analyze`,
`trackerscan fixes`, the window's import).
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date as Date
from pathlib import Path
from typing import BinaryIO

from trackerscan.errors import InputError
from trackerscan.formats.nmea import NmeaReader, Record, ascii_chunks
from trackerscan.model import Fix

# Bytes looked at to tell GPX (XML) from NMEA.
HEAD_BYTES = 4096


def is_gpx(stream: BinaryIO) -> bool:
    """Peek at the start of a seekable file: XML means GPX, anything else is read as NMEA."""
    head = b"".join(ascii_chunks(io.BytesIO(stream.read(HEAD_BYTES))))
    stream.seek(0)
    return head.lstrip().startswith(b"<")


def read_fix_file(path: Path, date: Date | None = None, source: str | None = None,
                  ) -> tuple[list[Record], Counter[str]]:
    """The records of an NMEA log or GPX track in file order, and the rejections counted by reason.

    ``date`` dates NMEA logs that carry none (GGA only); ``source`` names the records (default
    ``gpx:NAME`` or ``nmea:NAME``).  A file that cannot be read raises `InputError`."""
    try:
        with path.open("rb") as stream:
            gpx = is_gpx(stream)
            source = source or f"{'gpx' if gpx else 'nmea'}:{path.name}"
            if gpx:
                from trackerscan.formats.gpx import read_gpx  # XML parsing only when needed

                fixes, rejected = read_gpx(stream, source=source, name=str(path))
                return list(fixes), rejected
            reader = NmeaReader(date=date, source=source)
            records: list[Record] = []
            for chunk in ascii_chunks(stream):
                records += reader.feed(chunk)
            records += reader.finish()
            return records, reader.rejected
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}.") from None


def read_fixes(path: Path, date: Date | None = None, source: str | None = None,
               ) -> tuple[list[Fix], Counter[str]]:
    """Only the valid fixes of `read_fix_file`, in time order."""
    records, rejected = read_fix_file(path, date, source)
    fixes = sorted((r for r in records if isinstance(r, Fix)), key=lambda f: f.time)
    return fixes, rejected
