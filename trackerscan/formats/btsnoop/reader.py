"""Reading btsnoop logs: the walk over a whole file, and the reader people use.

The file is memory-mapped and walked once.  Runs of single advertising reports, legacy or extended (a
Bluetooth 5 controller reports every advert as an extended report), are found and decoded with numpy
(`trackerscan.formats.btsnoop.vector`), other HCI traffic between them counted and stepped over, and
each distinct report (type, address, data) is decoded once and shared.  What numpy does not take goes
record by record: a one-`struct` fast path for a single legacy report, and the careful parser of
`trackerscan.formats.btsnoop.records` for everything else (several reports in one event, fragments,
damage), which both are tested equal to.  `BtsnoopReader.batches` hands out the chunks as columns,
which `trackerscan.analysis` feeds to the engine without building a `Sighting` per report.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from collections import deque
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path

from trackerscan.errors import InputError
from trackerscan.formats.btsnoop.records import (
    ADV_DATA,
    DATALINK_H4,
    DATALINK_MONITOR,
    EPOCH_DELTA_US,
    EVT_LE_META,
    EVT_PARAMS,
    EVT_REPORT_COUNT,
    EVT_REPORTS,
    EVT_SUBEVENT,
    EXT_STATUS_SHIFT,
    FILE_HEADER,
    H4_EVENT,
    LEGACY_MAX_DATA,
    MONITOR_EVENT,
    REC_INCLUDED,
    REC_PACKET,
    RECORD_HEADER,
    REPORT_CACHE_MAX,
    REPORT_SUBEVENTS,
    RSSI_OF_BYTE,
    SCAN_RSP,
    SUB_ADV_REPORT,
    TS_MAX,
    TS_MIN,
    Batch,
    BtsnoopStats,
    Report,
    check_header,
    decode_report,
    parse_record,
    sightings_of,
)
from trackerscan.formats.btsnoop.vector import (
    NOT_A_REPORT,
    RUN_MIN_RECORDS,
    as_array,
    vector_chunk,
    vector_walk,
)
from trackerscan.model import Sighting

_INCL = struct.Struct(">I")
CHUNK_RECORDS = 32_768  # records walked and decoded per chunk
WINDOW_MIN_RECORDS = 2 * RUN_MIN_RECORDS  # the numpy walk looks at least this far ahead (140 kB)
# The longest record holding one legacy advertising report: header, H4 type, event code, length, subevent,
# count, event type, address type, address, data length, 31 bytes of data, RSSI.
LEGACY_RECORD_MAX = REC_PACKET + 1 + EVT_REPORTS + ADV_DATA + LEGACY_MAX_DATA + 1
# The numpy walk looks at most this many bytes ahead: enough for a whole chunk of advertising reports
# (32,768 extended ones take 2.4 MB), fewer records where long other traffic (audio) lies between.  Its
# temporary arrays take up to 10 bytes per byte looked at when every byte looks like an event code (a
# hostile file): 30 MB at most.
SPAN_MAX = 3 << 20
# Record-by-record fast path: one legacy report in an LE Meta event, H4 framing (1 type byte) or none
# (monitor, H1): record header, (H4 type,) event code, parameter length, subevent, report count, event
# type, address type, address, data length.  Pad bytes (x) skip original length, drops and address.
_FAST_H4 = struct.Struct(">4xII4xqBBBBBB7xB")
_FAST_BARE = struct.Struct(">4xII4xqBBBBB7xB")
# The walk's own tables are bounded whatever arrives: a spam flood sends every frame from a fresh address
# (540,000 in 30 minutes at 300 frames/s), and each would otherwise stay in them to the end of the file.
# They are trimmed between chunks, never inside the per-record loops.
# Decoded addresses (6 bytes -> "AA:BB:…") remembered; emptied when fuller between chunks (about 160 bytes
# an entry: 5 MB at most, plus one chunk's).  Only a report the report cache misses looks one up, so
# emptying it costs a re-decode, never a different result.
ADDRESS_CACHE_MAX = 1 << 15
# Scannable adverts kept for a scan response to be joined to; trimmed between chunks when fuller, to the
# adverts of the addresses heard in the last SCAN_RESPONSE_REPORTS reports (about 250 bytes an entry,
# 4 MB at most, plus one chunk's).
SCANNABLE_MAX = 1 << 14
# A scan response comes right after its advert: the scanner asks 150 µs after the advert, the advertiser
# answers 150 µs later and the controller reports both at once, a few reports apart at most.  The adverts
# of the addresses heard in the last 8,192 reports are kept for it: several seconds even in a flood
# (1,300 reports a second in the flood benchmark), minutes in a normal scan.
SCAN_RESPONSE_REPORTS = 8_192
# The pages of a mapped file already walked are handed back to the system (madvise MADV_DONTNEED: they
# stay in the page cache, but no longer in this process's resident set) in steps of at least this many
# bytes: otherwise a capture counts in full in the peak memory of `analyze` and of a replayed scan by its
# end (48 MB for the flood benchmark's, 57 MB for the busy-city one).  Not where the system lacks it.
RELEASE_BYTES = 4 << 20
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)


def _iter_records(
    data: bytes | mmap.mmap, stats: BtsnoopStats, source: str, name: str
) -> Iterator[Sighting]:
    """Every Sighting of a btsnoop log (the batches of `_iter_batches`, flattened in C)."""
    return chain.from_iterable(sightings_of(b, source) for b in _iter_batches(data, stats, source, name))


def _iter_batches(
    data: bytes | mmap.mmap, stats: BtsnoopStats, source: str, name: str
) -> Iterator[Batch]:
    """Walk every record after the file header; yield the sightings chunk by chunk.

    From each position `vector_walk` looks for a run of records it can hand to numpy: single legacy
    or extended advertising reports (`vector_chunk` decodes them in one go), with other HCI traffic
    between them counted and stepped over.  What it cannot take (several reports in one event,
    fragments, damage) goes through the record-by-record parser below, which handles
    everything.  Both give the same sightings and counts.
    """
    datalink = check_header(data[: FILE_HEADER.size], name)
    stats.datalink = datalink
    n = len(data)
    stats.size = n
    h4 = datalink == DATALINK_H4
    monitor = datalink == DATALINK_MONITOR
    fast = (_FAST_H4 if h4 else _FAST_BARE).unpack_from
    fast_size = (_FAST_H4 if h4 else _FAST_BARE).size
    header = RECORD_HEADER.unpack_from
    incl_at = _INCL.unpack_from
    eb = 1 if h4 else 0  # the H4 packet type byte before the event
    hlen = eb + EVT_PARAMS  # bytes before the event parameters: (H4 type), event code, length
    report_at = eb + EVT_REPORTS  # where the only report of a fast-path record starts in its packet
    legacy_plen = EVT_REPORTS - EVT_PARAMS + ADV_DATA + 1  # its parameter length but the data
    window = CHUNK_RECORDS  # how many records the numpy walk looks ahead for
    record_bytes = LEGACY_RECORD_MAX  # bytes per record, as last seen: how far the walk looks
    addresses: dict[bytes, str] = {}
    # A report's bytes from event type to the end of its data -> (address, type, data, connectable):
    # the same advertisement repeats many times, so it is decoded once and its bytes are shared.
    reports: dict[bytes, Report] = {}
    rssi_of = RSSI_OF_BYTE
    scannable: dict[str, Report] = {}  # last advertising data of scannable adverts
    pending: dict[tuple[bytes, int], bytearray] = {}  # fragments of extended reports
    recent: deque[Sequence[str] | Sequence[Sighting]] = deque()  # the last chunks' addresses (or sightings)
    released = 0  # the mapped file's pages before this are handed back (`_release`)
    delta = EPOCH_DELTA_US
    new = tuple.__new__
    off = FILE_HEADER.size
    records = adverts = skipped = other = 0
    array = as_array(data)
    try:
        while off < n:
            run = (
                vector_walk(data, array, off, datalink, window, min(window * record_bytes, SPAN_MAX))
                if array is not None
                else None
            )
            if run is not None and run is not NOT_A_REPORT:
                columns = vector_chunk(data, array, run.reports, datalink, reports, addresses, scannable,
                                        pending) if array is not None else None
                if columns is not None:
                    count = len(run.reports) + run.other + run.skipped
                    records += count
                    other += run.other
                    skipped += run.skipped
                    adverts += len(columns.times)
                    window = min(CHUNK_RECORDS, max(WINDOW_MIN_RECORDS, 2 * count))  # next look-ahead
                    record_bytes = (run.limit - off) * 17 // (16 * count) + 2  # a little over the mean
                    off = stats.offset = run.limit
                    yield columns
                    addresses, scannable = _bounded(addresses, scannable, recent, columns.addresses)
                    released = _release(data, released, off)
                    continue
                limit, cut = run.limit, False  # it ends a fragment chain, or hashes collide: record by record
            else:
                # A record numpy cannot take first: walk up to the next record that looks like a report (the
                # start of the next chunk).  No run long enough for numpy: a whole chunk.
                until_report = run is NOT_A_REPORT
                cut = False  # the last record (or its header) is cut off
                o = off
                last_header = n - REC_PACKET
                for _ in range(CHUNK_RECORDS):
                    if o > last_header:
                        cut = o < n
                        break
                    if until_report and o > off and _looks_like_report(data, o, eb):
                        break
                    e = o + REC_PACKET + incl_at(data, o + REC_INCLUDED)[0]
                    if e > n:
                        cut = True
                        break
                    o = e
                limit = o
            rows: list[Sighting] = []
            put = rows.append
            while off < limit:
                if off + fast_size <= n:
                    if h4:
                        incl, flags, ts, ptype, evt, plen, sub, num, etype, dlen = fast(data, off)
                        is_event = ptype == H4_EVENT
                    else:
                        incl, flags, ts, evt, plen, sub, num, etype, dlen = fast(data, off)
                        is_event = (flags & 0xFFFF) == MONITOR_EVENT if monitor else (flags & 3) == 3
                else:
                    _orig, incl, flags, _drops, ts = header(data, off)
                    is_event = True  # too near the end for the fast path: let the careful parser decide
                    evt = plen = sub = num = etype = dlen = -1
                start = off + REC_PACKET
                end = start + incl
                off = end
                records += 1
                if not TS_MIN <= ts < TS_MAX:
                    skipped += 1  # an impossible time: a damaged record, whatever it holds
                    continue
                if not is_event:
                    other += 1
                    continue
                if (
                    evt == EVT_LE_META
                    and sub == SUB_ADV_REPORT
                    and num == 1
                    and etype <= SCAN_RSP
                    and plen == dlen + legacy_plen
                    and incl - hlen == plen
                ):
                    p = start + report_at
                    q = p + ADV_DATA + dlen  # its RSSI byte
                    key = data[p:q]
                    hit = reports.get(key)
                    if hit is None:
                        if len(reports) >= REPORT_CACHE_MAX:
                            reports.clear()
                        hit = reports[key] = decode_report(key, addresses)
                    if etype == SCAN_RSP:
                        prior = scannable.get(hit[0])
                        if prior is not None:
                            hit = (hit[0], hit[1], prior[2] + hit[2], prior[3])
                    elif not etype & 1:  # ADV_IND, ADV_SCAN_IND: a scan response may follow
                        scannable[hit[0]] = hit
                    address, address_type, adv, connectable = hit
                    t = (ts - delta) / 1e6
                    put(new(Sighting, (t, address, address_type, rssi_of[data[q]], adv, source, connectable)))
                    continue
                # Several reports, extended reports, other LE Meta subevents, odd lengths: careful parser.
                found = parse_record(
                    data, start, end, flags, ts, h4, monitor, stats, addresses, scannable, pending, source
                )
                if found:
                    rows.extend(found)
            stats.offset = off
            if rows:
                adverts += len(rows)
                yield rows
                addresses, scannable = _bounded(addresses, scannable, recent, rows)
                released = _release(data, released, off)
            if cut:
                skipped += 1  # the last record (or its header) is cut off
                off = n
    finally:
        del array
        stats.records += records
        stats.adverts += adverts
        stats.skipped += skipped
        stats.other += other
        stats.offset = off


def _bounded(
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    recent: deque[Sequence[str] | Sequence[Sighting]],
    chunk: Sequence[str] | Sequence[Sighting],
) -> tuple[dict[bytes, str], dict[str, Report]]:
    """The walk's address cache and scannable adverts after a chunk (its addresses, or its sightings),
    trimmed when over their bounds: the cache emptied, the adverts kept only for addresses heard in the
    last SCAN_RESPONSE_REPORTS reports.  ``recent`` keeps just enough of the last chunks for that."""
    recent.append(chunk if len(chunk) <= SCAN_RESPONSE_REPORTS else chunk[-SCAN_RESPONSE_REPORTS:])
    held = sum(map(len, recent))
    while held - len(recent[0]) >= SCAN_RESPONSE_REPORTS:
        held -= len(recent.popleft())
    if len(addresses) > ADDRESS_CACHE_MAX:
        addresses = {}
    if len(scannable) > SCANNABLE_MAX:
        kept: dict[str, Report] = {}
        left = SCAN_RESPONSE_REPORTS
        for part in reversed(recent):
            tail = part[-left:]
            for item in tail:
                address = item if type(item) is str else item[1]
                prior = scannable.get(address)
                if prior is not None:
                    kept[address] = prior
            left -= len(tail)
            if left <= 0:
                break
        scannable = kept
    return addresses, scannable


def _release(data: bytes | mmap.mmap, released: int, off: int) -> int:
    """Hand back the pages of a mapped file between ``released`` and the walk's offset ``off`` (never
    read again: a page read again would come back from the file), once they reach RELEASE_BYTES; the
    new ``released``."""
    upto = off - off % mmap.PAGESIZE
    if _DONTNEED is None or upto - released < RELEASE_BYTES or type(data) is not mmap.mmap:
        return released
    with contextlib.suppress(ValueError, OSError):  # closed under the walk: nothing to hand back
        data.madvise(_DONTNEED, released, upto - released)
    return upto


def _looks_like_report(data: bytes | mmap.mmap, o: int, eb: int) -> bool:
    """Whether the record at ``o`` looks like one advertising report numpy may take (where a run may start):
    not a fragment with more to come, so that a fragment chain is read through in one go."""
    head = data[o + REC_PACKET : o + REC_PACKET + eb + EVT_REPORTS + 1]  # the event up to its report's type
    return len(head) == eb + EVT_REPORTS + 1 and head[eb] == EVT_LE_META and (
        head[eb + EVT_SUBEVENT] in REPORT_SUBEVENTS
    ) and (head[eb + EVT_REPORT_COUNT] == 1 and (not eb or head[0] == H4_EVENT)) and (
        head[eb + EVT_SUBEVENT] == SUB_ADV_REPORT or (head[eb + EVT_REPORTS] >> EXT_STATUS_SHIFT) & 3 != 1
    )




def parse_btsnoop(
    data: bytes | bytearray | memoryview, source: str = "replay"
) -> tuple[list[Sighting], BtsnoopStats]:
    """Every sighting in an in-memory btsnoop log, and what was read, skipped and left out.

    Raises InputError only when the data is not a btsnoop log at all (see `check_header`).
    """
    raw = bytes(data)
    stats = BtsnoopStats()
    check_header(raw[: FILE_HEADER.size], "the data")
    return list(_iter_records(raw, stats, source, "the data")), stats


class BtsnoopReader:
    """Streams the sightings of a btsnoop log file; ``stats`` fills in as they are read.

    The header is checked when the reader is made, so a wrong file fails at
    once with an InputError.  The file is memory-mapped and read once.
    """

    def __init__(self, path: str | os.PathLike[str], source: str = "replay") -> None:
        self.path = Path(path)
        self.source = source
        self.stats = BtsnoopStats()
        name = str(self.path)
        try:
            with open(self.path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                head = f.read(FILE_HEADER.size)
                check_header(head, name)
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        except OSError as exc:
            raise InputError(f"{name} cannot be read: {exc.strerror or exc}.") from exc
        self.stats.size = size
        self._name = name

    def __iter__(self) -> Iterator[Sighting]:
        if self._map is None:
            return iter(())
        return _iter_records(self._map, self.stats, self.source, self._name)

    def batches(self) -> Iterator[Batch]:
        """The sightings chunk by chunk: lists of `Sighting` or `Columns` (see `sightings_of`)."""
        if self._map is None:
            return iter(())
        return _iter_batches(self._map, self.stats, self.source, self._name)

    def close(self) -> None:
        """Unmap the file.  If an unfinished iteration still holds it, it is unmapped when that goes."""
        if self._map is not None:
            # a numpy view in a half-read generator keeps it open: it closes when both are collected
            with contextlib.suppress(BufferError):
                self._map.close()
            self._map = None

    def __enter__(self) -> BtsnoopReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_sightings(path: str | os.PathLike[str], source: str = "replay") -> BtsnoopReader:
    """The sightings of a btsnoop log, streamed; iterate the result, then look at its ``stats``."""
    return BtsnoopReader(path, source)
