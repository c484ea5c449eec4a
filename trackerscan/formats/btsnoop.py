"""btsnoop HCI logs: read LE advertising reports as Sightings, and write them back.

Two datalinks are read, as real tools write them:

- 1002 (HCI UART, H4): Android's "HCI snoop log"; every packet starts with its
  H4 type byte (0x04 = event).
- 2001 (Linux monitor): ``btmon -w``; the record flags hold
  ``(adapter index << 16) | opcode`` and opcode 3 is an HCI event.

1001 (un-encapsulated HCI, flags bit 1 = command/event) is read as well.
From HCI traffic only LE Meta events (0x3E) with LE Advertising Reports
(subevent 0x02) and LE Extended Advertising Reports (subevent 0x0D) are kept;
everything else is counted in ``stats.other`` and skipped.  Truncated or
corrupt records, and records timed outside 1990-2100, are counted in
``stats.skipped`` and never stop the reading.
Scan responses are joined to the last advertising data of their address, so
``Sighting.adv`` is "advertising data, then scan-response data" as everywhere
else; fragmented extended reports are reassembled.

Record layout (all big-endian): file header ``"btsnoop\\0"``, version (1),
datalink; each record: original length, included length, flags, cumulative
drops, timestamp (microseconds since 0000-01-01, taken as UTC).

Speed: the file is memory-mapped and walked once.  Runs of single advertising
reports, legacy or extended (a Bluetooth 5 controller reports every advert as
an extended report), are found and decoded with numpy, other HCI traffic
between them counted and stepped over, and each distinct report (type,
address, data) is decoded once and shared.  What numpy does not take (several
reports in one event, fragments, damage) goes record by record
through the careful parser, the readable spec that the numpy path is tested
equal to.  `BtsnoopReader.batches` hands out the chunks as columns, which
`trackerscan.analysis` feeds to the engine without building a `Sighting` per
report.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from bisect import bisect_left
from calendar import timegm
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from trackerscan.errors import InputError
from trackerscan.formats.nmea import MAX_YEAR, MIN_YEAR
from trackerscan.model import AddressType, Sighting

MAGIC = b"btsnoop\0"
VERSION = 1
DATALINK_H1 = 1001  # un-encapsulated HCI
DATALINK_H4 = 1002  # HCI UART: Android's HCI snoop log
DATALINK_MONITOR = 2001  # Linux monitor: btmon -w
DATALINKS = (DATALINK_H1, DATALINK_H4, DATALINK_MONITOR)
# Microseconds from 0000-01-01 to 1970-01-01, the btsnoop time base (Wireshark wiretap/btsnoop.c).
EPOCH_DELTA_US = 0x00DCDDB30F2F8000
# Record times outside MIN_YEAR-01-01 .. MAX_YEAR-01-01 (the bounds of the GPS readers; 0, negative or year
# 10000 are a broken or hostile writer) make the record damaged: skipped and counted, never a sighting.
TS_MIN = EPOCH_DELTA_US + timegm((MIN_YEAR, 1, 1, 0, 0, 0, 0, 0, 0)) * 1_000_000
TS_MAX = EPOCH_DELTA_US + timegm((MAX_YEAR, 1, 1, 0, 0, 0, 0, 0, 0)) * 1_000_000

_FILE_HEADER = struct.Struct(">8sII")
_RECORD_HEADER = struct.Struct(">IIIIq")
_INCL = struct.Struct(">I")
CHUNK_RECORDS = 32_768  # records walked and decoded per chunk
# Runs of reports between other HCI traffic shorter than this are read record by record: below it the
# fixed cost of a numpy chunk (~0.2 ms) is more than it saves (measured on the busy city with a Command
# Complete event every 200 reports: 1.0 s per million reports either way, 1.5 s with numpy on each run).
RUN_MIN_RECORDS = 1024
WINDOW_MIN_RECORDS = 2 * RUN_MIN_RECORDS  # the numpy walk looks at least this far ahead (140 kB)
# The longest record holding one legacy advertising report: header, H4 type, event code, length, subevent,
# count, event type, address type, address, data length, 31 bytes of data, RSSI.
LEGACY_RECORD_MAX = 24 + 1 + 2 + 12 + 31
# The numpy walk looks at most this many bytes ahead: enough for a whole chunk of advertising reports
# (32,768 extended ones take 2.4 MB), fewer records where long other traffic (audio) lies between.  Its
# temporary arrays take up to 10 bytes per byte looked at when every byte looks like an event code (a
# hostile file): 30 MB at most.
SPAN_MAX = 3 << 20
VECTOR_MIN_RECORDS = 64  # below this a chunk is parsed record by record (numpy set-up costs more)
# Record-by-record fast path: one legacy report in an LE Meta event, H4 framing (1 type byte) or none
# (monitor, H1): record header, (H4 type,) event code, parameter length, subevent, report count, event
# type, address type, address, data length.  Pad bytes (x) skip original length, drops and address.
_FAST_H4 = struct.Struct(">4xII4xqBBBBBB7xB")
_FAST_BARE = struct.Struct(">4xII4xqBBBBB7xB")
REPORT_CACHE_MAX = 1 << 16  # distinct (event type, address, data) reports remembered: about 20 MB at most

H4_EVENT = 0x04
EVT_LE_META = 0x3E
SUB_ADV_REPORT = 0x02
SUB_EXT_ADV_REPORT = 0x0D
MONITOR_EVENT = 3  # btmon opcode "Event Packet"
MONITOR_NEW_INDEX = 0

# Legacy advertising report event types (Core v5.4, Vol 4, Part E, 7.7.65.2).
ADV_IND = 0x00
ADV_DIRECT_IND = 0x01
ADV_SCAN_IND = 0x02
ADV_NONCONN_IND = 0x03
SCAN_RSP = 0x04
_LEGACY_CONNECTABLE = (True, True, False, False)

# Extended report event type bits (7.7.65.13).
EXT_CONNECTABLE = 0x0001
EXT_SCANNABLE = 0x0002
EXT_SCAN_RESPONSE = 0x0008
EXT_LEGACY = 0x0010
EXT_STATUS_SHIFT = 5  # bits 5-6: 0 complete, 1 more to come, 2 truncated
_EXT_FIXED = struct.Struct("<HB6sBBBbbHB6sB")  # 24 bytes before the data
EXT_MAX_DATA = 255 - 2 - _EXT_FIXED.size  # what fits in one event with one report: 229 bytes
LEGACY_MAX_DATA = 31
# An advertising set's data is at most 1650 bytes (Core v5.4, Vol 4, Part E, 7.8.57: the largest
# Maximum_Advertising_Data_Length): a fragment chain is kept up to that, and what comes after is dropped.
ADV_DATA_MAX = 1650
# Fragment chains of extended reports held at once, waiting for their last fragment; beyond this the
# oldest is dropped.  A controller interleaves a few chains at most (one per advertiser being followed).
PENDING_MAX = 256
RSSI_UNAVAILABLE = 127

# Address type codes in reports: public, random, public identity, random (static) identity, anonymous.
_ADDRESS_TYPES: dict[int, AddressType] = {
    0: AddressType.PUBLIC,
    1: AddressType.RANDOM,
    2: AddressType.PUBLIC,
    3: AddressType.RANDOM,
    0xFF: AddressType.UNKNOWN,
}
_RSSI: tuple[int | None, ...] = tuple(
    None if b == RSSI_UNAVAILABLE else (b - 256 if b > 127 else b) for b in range(256)
)
# A decoded report: address, address type, advertising data, connectable.
Report = tuple[str, AddressType, bytes, bool | None]
_PCAP_MAGICS = (b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1")
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


@dataclass(slots=True)
class BtsnoopStats:
    """What reading a btsnoop log found; updated while the sightings stream."""

    datalink: int = 0
    records: int = 0  # complete records read
    adverts: int = 0  # advertising reports turned into sightings
    skipped: int = 0  # truncated, corrupt or impossibly timed records (or reports) left out
    other: int = 0  # other HCI traffic, skipped on purpose
    offset: int = 0  # bytes consumed so far (for progress)
    size: int = 0  # bytes in the log


def check_header(head: bytes, name: str = "the file") -> int:
    """The datalink of a btsnoop log from its first 16 bytes; InputError saying what it is otherwise."""
    head = head[:16]
    if not head:
        raise InputError(f"{name} is empty, so it holds no btsnoop HCI log.")
    if head[:4] in _PCAP_MAGICS or head[:4] == _PCAPNG_MAGIC:
        raise InputError(
            f"{name} is a pcap capture, not a btsnoop HCI log: "
            f"convert it with `editcap -F btsnoop` or record with `btmon -w`."
        )
    if not (head.startswith(MAGIC) or MAGIC.startswith(head)):
        raise InputError(f"{name} is not a btsnoop HCI log (it does not start with 'btsnoop').")
    if len(head) < _FILE_HEADER.size:
        raise InputError(f"{name} is cut off inside its btsnoop header.")
    _, version, datalink = _FILE_HEADER.unpack_from(head)
    if version != VERSION:
        raise InputError(f"{name} is btsnoop version {version}; only version 1 is known.")
    if datalink not in DATALINKS:
        raise InputError(
            f"{name} has btsnoop datalink {datalink}; trackerscan reads 1002 (Android, H4), "
            f"2001 (btmon -w) and 1001."
        )
    return int(datalink)


class Columns(NamedTuple):
    """The sightings of one chunk as columns: the fields of `Sighting` but ``source``, in its order.

    ``zip(times, addresses, address_types, rssis, advs, repeat(source), connectables)`` gives the
    fields of each sighting, ready for `Sighting` or for `trackerscan.engine.Engine.feed_sighting`.
    """

    times: list[float]
    addresses: list[str]
    address_types: list[AddressType]
    rssis: list[int | None]
    advs: list[bytes]
    connectables: list[bool | None]


Batch = list[Sighting] | Columns


def sightings_of(batch: Batch, source: str) -> Iterable[Sighting]:
    """The sightings of one batch, whichever form it has."""
    if type(batch) is list:
        return batch
    c: Columns = batch  # type: ignore[assignment]
    return map(
        tuple.__new__,
        repeat(Sighting),
        zip(c.times, c.addresses, c.address_types, c.rssis, c.advs, repeat(source), c.connectables,
            strict=False),
    )


def _iter_records(
    data: bytes | mmap.mmap, stats: BtsnoopStats, source: str, name: str
) -> Iterator[Sighting]:
    """Every Sighting of a btsnoop log (the batches of `_iter_batches`, flattened in C)."""
    return chain.from_iterable(sightings_of(b, source) for b in _iter_batches(data, stats, source, name))


def _iter_batches(
    data: bytes | mmap.mmap, stats: BtsnoopStats, source: str, name: str
) -> Iterator[Batch]:
    """Walk every record after the file header; yield the sightings chunk by chunk.

    From each position `_vector_walk` looks for a run of records it can hand to numpy: single legacy
    or extended advertising reports (`_vector_chunk` decodes them in one go), with other HCI traffic
    between them counted and stepped over.  What it cannot take (several reports in one event,
    fragments, damage) goes through the record-by-record parser below, which handles
    everything.  Both give the same sightings and counts.
    """
    datalink = check_header(data[:16], name)
    stats.datalink = datalink
    n = len(data)
    stats.size = n
    h4 = datalink == DATALINK_H4
    monitor = datalink == DATALINK_MONITOR
    fast = (_FAST_H4 if h4 else _FAST_BARE).unpack_from
    fast_size = (_FAST_H4 if h4 else _FAST_BARE).size
    header = _RECORD_HEADER.unpack_from
    incl_at = _INCL.unpack_from
    hlen = 3 if h4 else 2  # bytes before the event parameters: (H4 type), event code, length
    k0 = 29 if h4 else 28  # offset of the report's event type inside a fast-path record
    eb = 1 if h4 else 0  # the H4 packet type byte before the event
    window = CHUNK_RECORDS  # how many records the numpy walk looks ahead for
    record_bytes = LEGACY_RECORD_MAX  # bytes per record, as last seen: how far the walk looks
    addresses: dict[bytes, str] = {}
    # A report's bytes from event type to the end of its data -> (address, type, data, connectable):
    # the same advertisement repeats many times, so it is decoded once and its bytes are shared.
    reports: dict[bytes, Report] = {}
    rssi_of = _RSSI
    scannable: dict[str, Report] = {}  # last advertising data of scannable adverts
    pending: dict[tuple[bytes, int], bytearray] = {}  # fragments of extended reports
    delta = EPOCH_DELTA_US
    new = tuple.__new__
    off = _FILE_HEADER.size
    records = adverts = skipped = other = 0
    array = _as_array(data)
    try:
        while off < n:
            run = (
                _vector_walk(data, array, off, datalink, window, min(window * record_bytes, SPAN_MAX))
                if array is not None
                else None
            )
            if run is not None and run is not _NOT_A_REPORT:
                columns = _vector_chunk(data, array, run.reports, datalink, reports, addresses, scannable,
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
                    continue
                limit, cut = run.limit, False  # it ends a fragment chain, or hashes collide: record by record
            else:
                # A record numpy cannot take first: walk up to the next record that looks like a report (the
                # start of the next chunk).  No run long enough for numpy: a whole chunk.
                until_report = run is _NOT_A_REPORT
                cut = False  # the last record (or its header) is cut off
                o = off
                last_header = n - 24
                for _ in range(CHUNK_RECORDS):
                    if o > last_header:
                        cut = o < n
                        break
                    if until_report and o > off and _looks_like_report(data, o, eb):
                        break
                    e = o + 24 + incl_at(data, o + 4)[0]
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
                start = off + 24
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
                    and plen == dlen + 12
                    and incl - hlen == plen
                ):
                    p = start + k0 - 24
                    q = p + 9 + dlen
                    key = data[p:q]
                    hit = reports.get(key)
                    if hit is None:
                        if len(reports) >= REPORT_CACHE_MAX:
                            reports.clear()
                        hit = reports[key] = _decode_report(key, addresses)
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
                found = _slow_record(
                    data, start, end, flags, ts, h4, monitor, stats, addresses, scannable, pending, source
                )
                if found:
                    rows.extend(found)
            stats.offset = off
            if rows:
                adverts += len(rows)
                yield rows
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


def _looks_like_report(data: bytes | mmap.mmap, o: int, eb: int) -> bool:
    """Whether the record at ``o`` looks like one advertising report numpy may take (where a run may start):
    not a fragment with more to come, so that a fragment chain is read through in one go."""
    head = data[o + 24 : o + 29 + eb]
    return len(head) == 5 + eb and head[eb] == EVT_LE_META and head[eb + 2] in _REPORT_SUBEVENTS and (
        head[eb + 3] == 1 and (not eb or head[0] == H4_EVENT)
    ) and (head[eb + 2] == SUB_ADV_REPORT or (head[eb + 4] >> EXT_STATUS_SHIFT) & 3 != 1)


_REPORT_SUBEVENTS = (SUB_ADV_REPORT, SUB_EXT_ADV_REPORT)


class _Run(NamedTuple):
    """Records from a chunk's start that numpy can take: the advertising reports to decode, and how
    many records of other traffic and damaged ones lie between them."""

    reports: npt.NDArray[np.int64]  # record offsets, in order
    other: int
    skipped: int
    limit: int  # where the run's last record ends


# What `_vector_walk` answers when the record where it starts needs the careful parser.
_NOT_A_REPORT = _Run(np.empty(0, dtype=np.int64), 0, 0, -1)


def _vector_walk(
    data: bytes | mmap.mmap, arr: npt.NDArray[np.uint8], off: int, datalink: int, window: int, span: int
) -> _Run | None:
    """The run of up to ``window`` records from ``off`` on, within about ``span`` bytes, whose advertising
    reports `_vector_chunk` can decode; `_NOT_A_REPORT` when the record at ``off`` needs the careful
    parser; None when the run would be too short to be worth numpy.

    Walking a million records one by one in Python costs a third of a second.  Here the reports are
    found without a Python loop: every byte that could be the event code of a record numpy can decode
    (`_decodable`: its header, event, subevent, lengths and time all fit) is a candidate start, and
    the run follows the chains of candidates where each starts where the previous record ends.  That
    keeps the answer exact: candidates off the chain (data that looks like a header) are never reached.
    Where a chain breaks, the record there is looked at in Python: other traffic or a damaged record is
    counted and stepped over; one that holds reports numpy cannot take (several in one event,
    fragments) ends the run, and the careful parser takes it.
    """
    n = arr.shape[0]
    b = 1 if datalink == DATALINK_H4 else 0
    end = min(n - _VECTOR_TAIL, off + span)  # candidate starts lie before this
    if end - off < VECTOR_MIN_RECORDS:
        return None
    header = _RECORD_HEADER.unpack_from
    h4, monitor = datalink == DATALINK_H4, datalink == DATALINK_MONITOR
    if not len(_decodable(arr, np.array([off], dtype=np.int64), datalink)[0]):
        # the first record first, before looking ahead: a long fragment chain is read one record at a time
        _orig, incl, flags, _drops, ts = header(data, off)
        if off + 24 + incl > n:
            return None
        if _record_kind(data, off + 24, off + 24 + incl, flags, ts, h4, monitor) == _REPORTS:
            return _NOT_A_REPORT
    at = np.flatnonzero(arr[off + 24 + b : end + 24 + b] == EVT_LE_META)
    at += off
    starts, ends = _decodable(arr, at, datalink)
    m = starts.shape[0]
    # the last candidate of each chain: where the next record does not start at a candidate
    last = np.flatnonzero(ends[:-1] != starts[1:]).tolist()
    last.append(m - 1)
    pieces: list[npt.NDArray[np.int64]] = []
    count = other = skipped = 0
    pos = off
    stopped = False
    while count < window and pos < end:
        j = int(np.searchsorted(starts, pos))
        if j < m and starts[j] == pos:
            k = min(last[bisect_left(last, j)], j + window - count - 1)
            pieces.append(starts[j : k + 1])
            count += k + 1 - j
            pos = int(ends[k])
            continue
        _orig, incl, flags, _drops, ts = header(data, pos)
        e = pos + 24 + incl
        if e > n:
            break  # cut off: the careful parser counts it
        kind = _record_kind(data, pos + 24, e, flags, ts, h4, monitor)
        if kind == _REPORTS:
            stopped = True
            break
        other += kind == _OTHER
        skipped += kind == _SKIPPED
        count += 1
        pos = e
    if not pieces:
        return _NOT_A_REPORT if stopped and pos == off else None
    found = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    reports = found.shape[0]
    if reports < VECTOR_MIN_RECORDS or (stopped and reports < min(RUN_MIN_RECORDS, window)):
        return None  # a short run: cheaper record by record
    return _Run(found, other, skipped, pos)


# Candidate records start at least this far before the end of the file, so every word `_decodable` and
# `_vector_chunk` read of them lies inside it: header, H4 byte, event, extended report, data words.
_VECTOR_TAIL = 24 + 1 + 4 + 24 + 8 * (-(-EXT_MAX_DATA // 8))


def _decodable(
    arr: npt.NDArray[np.uint8], at: npt.NDArray[np.int64], datalink: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Those of the record starts ``at`` (each at least _VECTOR_TAIL bytes before the end) that hold one
    advertising report `_vector_chunk` decodes exactly as the careful parser does, and where each ends."""
    b = 1 if datalink == DATALINK_H4 else 0
    n = arr.shape[0]
    sub = arr[at + 26 + b]
    at = at[((sub == SUB_ADV_REPORT) | (sub == SUB_EXT_ADV_REPORT)) & (arr[at + 27 + b] == 1)]  # one report
    sub = arr[at + 26 + b]
    w4 = _words(arr, 4)
    incl = w4[at + 4].astype(np.int64)
    ends = at + 24 + incl
    p = at + 28 + b  # the report
    plen = arr[at + 25 + b].astype(np.int64)
    ok = ends <= n
    if b:
        ok &= arr[at + 24] == H4_EVENT
    elif datalink == DATALINK_MONITOR:
        ok &= (w4[at + 8] & 0xFFFF) == MONITOR_EVENT
    else:
        ok &= (w4[at + 8] & 3) == 3
    ts = _signed_words(arr)[at + 16]
    ok &= (ts >= TS_MIN) & (ts < TS_MAX)
    etype = arr[p]
    dlen = arr[p + 8].astype(np.int64)
    legacy = (sub == SUB_ADV_REPORT) & (etype <= SCAN_RSP) & (dlen <= LEGACY_MAX_DATA) & (plen == dlen + 12)
    legacy &= incl == dlen + 14 + b
    dlen = arr[p + 23].astype(np.int64)
    extended = (sub == SUB_EXT_ADV_REPORT) & (((etype >> EXT_STATUS_SHIFT) & 3) != 1)  # not "more to come"
    extended &= (plen == dlen + 26) & (incl == dlen + 28 + b)
    ok &= legacy | extended
    return at[ok], ends[ok]


def _as_array(data: bytes | mmap.mmap) -> npt.NDArray[np.uint8] | None:
    try:
        return np.frombuffer(data, dtype=np.uint8)
    except (ValueError, TypeError, BufferError):
        return None


_RSSI_OBJ = np.array(_RSSI, dtype=object)
# Little-endian masks keeping the first k bytes of an 8-byte word, k = 0..8.
_KEEP = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
# _KEEP_OF_LENGTH[j][length]: the mask of word j of data of that length (the bytes of it the data covers).
_KEEP_OF_LENGTH = _KEEP[np.clip(np.arange(256) - 8 * np.arange(-(-EXT_MAX_DATA // 8))[:, None], 0, 8)]
_MIX = np.uint64(0x9E3779B97F4A7C15)
_EXT_KEY = b"\xff"  # extended reports' keys start with this (a legacy key starts with its event type, 0..4)


def _words(arr: npt.NDArray[np.uint8], size: int) -> npt.NDArray[np.unsignedinteger[Any]]:
    """A view whose element i is the big-endian integer in bytes i .. i+size-1 (overlapping, no copy)."""
    count = max(arr.shape[0] - size + 1, 0)
    return np.ndarray((count,), dtype=np.dtype(f">u{size}"), buffer=arr, strides=(1,))


def _signed_words(arr: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """A view whose element i is the big-endian signed 64-bit integer in bytes i .. i+7 (record times)."""
    count = max(arr.shape[0] - 7, 0)
    return np.ndarray((count,), dtype=np.dtype(">i8"), buffer=arr, strides=(1,))


def _native_words(arr: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """A view whose element i is bytes i .. i+7 as a little-endian word (compared, never read as numbers)."""
    count = max(arr.shape[0] - 7, 0)
    return np.ndarray((count,), dtype=np.dtype("<u8"), buffer=arr, strides=(1,))


def _vector_chunk(
    data: bytes | mmap.mmap,
    arr: npt.NDArray[np.uint8],
    offsets: npt.NDArray[np.int64],
    datalink: int,
    reports: dict[bytes, Report],
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    pending: dict[tuple[bytes, int], bytearray],
) -> Columns | None:
    """The sightings of records `_decodable` found, as columns; None (and nothing changed) if one of
    them ends a fragment chain (the careful parser joins it) or two reports' hashes collide.

    Fields are gathered with overlapping word views of the file (one gather per field, no per-record
    Python); equal reports are found by their bytes (hashed, then compared word by word), so each
    distinct report is decoded once and the sightings share its address and data objects.
    """
    b = 1 if datalink == DATALINK_H4 else 0  # the H4 packet type byte
    offs = offsets
    count = offs.shape[0]
    w8 = _native_words(arr)
    p = offs + 28 + b  # the report: event type first
    ext = arr[offs + 26 + b] == SUB_EXT_ADV_REPORT
    any_ext = bool(ext.any())
    etype = arr[p].astype(np.int64)
    if any_ext:
        etype += np.where(ext, arr[p + 1].astype(np.int64) << 8, 0)
        dlen = np.where(ext, arr[p + 23], arr[p + 8]).astype(np.int64)
        head = np.where(ext, 12, 9)  # the key: event type .. SID (extended) or .. data length (legacy)
        data_at = p + head + np.where(ext, 12, 0)
        rssi_at = np.where(ext, p + 13, data_at + dlen)
    else:
        dlen = arr[p + 8].astype(np.int64)
        head = np.full(count, 9)
        data_at = p + 9
        rssi_at = data_at + dlen
    times = ((_signed_words(arr)[offs + 16] - EPOCH_DELTA_US) / 1e6).tolist()
    rssi = _RSSI_OBJ[arr[rssi_at]].tolist()
    # a report's key (head, then data) as masked 8-byte words, hashed
    words = [w8[p], w8[p + 8] & (_KEEP[head - 8] if any_ext else _KEEP[1])]
    data_words = -(-int(dlen.max()) // 8)
    words += [w8[data_at + 8 * j] & _KEEP_OF_LENGTH[j][dlen] for j in range(data_words)]
    h = (dlen * 2 + ext) if any_ext else dlen
    h = h.astype(np.uint64)
    for w in words:
        h = (h * _MIX) ^ w
    # equal hashes in groups (np.unique, without its stable sort: any report of a group stands for it)
    order = np.argsort(h)
    sorted_h = h[order]
    starts_group = np.empty(count, dtype=bool)
    starts_group[0] = True
    np.not_equal(sorted_h[1:], sorted_h[:-1], out=starts_group[1:])
    inv = np.empty(count, dtype=np.intp)
    inv[order] = np.cumsum(starts_group) - 1
    first = order[starts_group]
    rep = first[inv]
    same = dlen == dlen[rep]
    if any_ext:
        same &= ext == ext[rep]
    for w in words:
        same &= w == w[rep]
    if not bool(same.all()):
        return None  # two different reports with the same 64-bit hash: let the exact parser do it
    hits: list[Report] = []
    for at, hd, da, dl in zip(
        p[first].tolist(), head[first].tolist(), data_at[first].tolist(), dlen[first].tolist(), strict=True
    ):
        if hd == 9:  # legacy: event type .. end of data, as the record-by-record path keys it
            key = data[at : at + hd + dl]
        else:
            key = _EXT_KEY + data[at : at + hd] + data[da : da + dl]
            if pending and (key[4:10], key[12]) in pending:
                return None  # the last fragment of a chain: the careful parser joins them
        hit = reports.get(key)
        if hit is None:
            if len(reports) >= REPORT_CACHE_MAX:
                reports.clear()
            hit = reports[key] = _decode_report(key, addresses)
        hits.append(hit)
    table = np.empty((len(hits), 4), dtype=object)
    table[:] = hits
    cols: list[list[Any]] = table[inv].T.tolist()
    if any_ext:
        scan_rsp = np.where(ext, (etype & EXT_SCAN_RESPONSE) != 0, etype == SCAN_RSP)
        # extended: scannable adverts; legacy: ADV_IND and ADV_SCAN_IND
        scannable_row = np.where(ext, (etype & EXT_SCANNABLE) != 0, (etype & 1) == 0) & ~scan_rsp
    else:
        scan_rsp = etype == SCAN_RSP
        scannable_row = ((etype & 1) == 0) & ~scan_rsp
    # a scan response may follow a scannable advert (here or in a later chunk)
    if scan_rsp.any():
        _join_scan_responses(cols, inv, hits, scannable_row, scan_rsp, scannable)
    # per address, the last scannable advert, for scan responses in later chunks
    last_at = np.full(len(hits), -1, dtype=np.int64)
    np.maximum.at(last_at, inv, np.arange(count, dtype=np.int64))
    by_time = np.argsort(last_at, kind="stable")
    for j in by_time[scannable_row[first][by_time]].tolist():
        scannable[hits[j][0]] = hits[j]
    return Columns(times, cols[0], cols[1], rssi, cols[2], cols[3])


def _join_scan_responses(
    cols: list[list[Any]],
    inv: npt.NDArray[np.intp],
    hits: list[Report],
    scannable_row: npt.NDArray[np.bool_],
    scan_rsp: npt.NDArray[np.bool_],
    scannable: dict[str, Report],
) -> None:
    """Put in front of each scan response the data of the last scannable advert of its address
    (earlier in this chunk, else from earlier chunks), as the record-by-record parser does."""
    count = len(inv)
    ids: dict[str, int] = {}
    address_id = np.array([ids.setdefault(h[0], len(ids)) for h in hits], dtype=np.int64)[inv]
    order = np.lexsort((np.arange(count), address_id))  # by address, then record order
    new_group = np.ones(count, dtype=bool)
    new_group[1:] = address_id[order][1:] != address_id[order][:-1]
    group = np.cumsum(new_group) - 1
    base = group * (count + 1)  # keeps each address's running maximum inside its own group
    value = np.where(scannable_row[order], order + base, base - 1)
    previous = np.empty(count, dtype=np.int64)
    previous[order] = np.maximum.accumulate(value) - base  # -1: none earlier in this chunk
    addresses, _, advs, connectables = cols
    for r, p in zip(np.nonzero(scan_rsp)[0].tolist(), previous[scan_rsp].tolist(), strict=True):
        if p >= 0:
            advs[r] = advs[p] + advs[r]
            connectables[r] = connectables[p]
        else:
            prior = scannable.get(addresses[r])
            if prior is not None:
                advs[r] = prior[2] + advs[r]
                connectables[r] = prior[3]


def _decode_report(key: bytes, addresses: dict[bytes, str]) -> Report:
    """(address, address type, data, connectable) of a report's key: a legacy report's bytes from event
    type to data end, or _EXT_KEY, an extended report's bytes from event type to SID, and its data."""
    if key[0] == _EXT_KEY[0]:
        etype, atype, a6, adv = key[1] | key[2] << 8, key[3], key[4:10], key[13:]
        scan_rsp_legacy = etype & EXT_SCAN_RESPONSE and etype & EXT_LEGACY
        connectable: bool | None = None if scan_rsp_legacy else bool(etype & EXT_CONNECTABLE)
    else:
        etype, atype, a6, adv = key[0], key[1], key[2:8], key[9:]
        connectable = None if etype == SCAN_RSP else _LEGACY_CONNECTABLE[etype]
    address = addresses.get(a6)
    if address is None:
        address = addresses[a6] = _address(a6)
    return address, _ADDRESS_TYPES.get(atype, AddressType.UNKNOWN), adv, connectable


def _address(a6: bytes) -> str:
    """The six little-endian address bytes of an HCI report as "AA:BB:CC:DD:EE:FF"."""
    return a6[::-1].hex(":").upper()


def _slow_record(
    data: bytes | mmap.mmap,
    start: int,
    end: int,
    flags: int,
    ts: int,
    h4: bool,
    monitor: bool,
    stats: BtsnoopStats,
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    pending: dict[tuple[bytes, int], bytearray],
    source: str,
) -> list[Sighting]:
    """Parse one record in full, bounds-checked; counts it in stats when it holds no report."""
    kind = _record_kind(data, start, end, flags, ts, h4, monitor)
    if kind != _REPORTS:
        if kind == _OTHER:
            stats.other += 1
        else:
            stats.skipped += 1
        return []
    pkt = data[start + h4 : end]
    t = (ts - EPOCH_DELTA_US) / 1e6
    out: list[Sighting] = []
    ok = (_legacy_reports if pkt[2] == SUB_ADV_REPORT else _extended_reports)(
        pkt, t, addresses, scannable, pending, source, out
    )
    if not ok:
        stats.skipped += 1  # a corrupt event: none of its reports can be trusted
        return []
    return out


_OTHER, _SKIPPED, _REPORTS = 0, 1, 2  # what a record holds, for `_record_kind`


def _record_kind(
    data: bytes | mmap.mmap, start: int, end: int, flags: int, ts: int, h4: bool, monitor: bool
) -> int:
    """Whether the record with payload ``data[start:end]`` is other traffic (_OTHER), damaged
    (_SKIPPED: impossible time, too short, wrong length) or an event with advertising reports."""
    if not TS_MIN <= ts < TS_MAX:
        return _SKIPPED
    if h4:
        if end <= start or data[start] != H4_EVENT:
            return _OTHER
        start += 1
    elif monitor:
        if flags & 0xFFFF != MONITOR_EVENT:
            return _OTHER
    elif flags & 3 != 3:
        return _OTHER
    size = end - start
    if size < 2 or (data[start] == EVT_LE_META and size < 3):
        return _SKIPPED
    if data[start] != EVT_LE_META or data[start + 2] not in _REPORT_SUBEVENTS:
        return _OTHER
    if data[start + 1] != size - 2:
        return _SKIPPED
    return _REPORTS


def _legacy_reports(
    pkt: bytes,
    t: float,
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    pending: dict[tuple[bytes, int], bytearray],
    source: str,
    out: list[Sighting],
) -> bool:
    """Append the sightings of an LE Advertising Report; False if the event is corrupt."""
    n = len(pkt)
    if n < 4:
        return False
    count = pkt[3]
    p = 4
    for _ in range(count):
        if p + 9 > n:
            return False
        etype, atype = pkt[p], pkt[p + 1]
        a6 = pkt[p + 2 : p + 8]
        dlen = pkt[p + 8]
        if dlen > LEGACY_MAX_DATA or p + 9 + dlen + 1 > n or etype > SCAN_RSP:
            return False
        adv = pkt[p + 9 : p + 9 + dlen]
        rssi = _RSSI[pkt[p + 9 + dlen]]
        p += 10 + dlen
        address = addresses.get(a6)
        if address is None:
            address = addresses[a6] = _address(a6)
        address_type = _ADDRESS_TYPES.get(atype, AddressType.UNKNOWN)
        connectable: bool | None
        if etype == SCAN_RSP:
            prior = scannable.get(address)
            adv, connectable = (prior[2] + adv, prior[3]) if prior is not None else (adv, None)
        else:
            connectable = _LEGACY_CONNECTABLE[etype]
            if etype in (ADV_IND, ADV_SCAN_IND):
                scannable[address] = (address, address_type, adv, connectable)
        out.append(Sighting(t, address, address_type, rssi, adv, source, connectable))
    return p == n


def _extended_reports(
    pkt: bytes,
    t: float,
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    pending: dict[tuple[bytes, int], bytearray],
    source: str,
    out: list[Sighting],
) -> bool:
    """Append the sightings of an LE Extended Advertising Report; False if the event is corrupt.

    A report whose data status says "more to come" is held until its last
    fragment arrives; a "truncated" one is kept with what arrived.  A chain
    keeps at most ADV_DATA_MAX bytes and at most PENDING_MAX chains wait at once.
    """
    n = len(pkt)
    if n < 4:
        return False
    count = pkt[3]
    p = 4
    for _ in range(count):
        if p + _EXT_FIXED.size > n:
            return False
        etype, atype, a6, _pphy, _sphy, sid, _tx, rssi_raw, _intv, _dat, _da, dlen = _EXT_FIXED.unpack_from(
            pkt, p
        )
        p += _EXT_FIXED.size
        if p + dlen > n:
            return False
        chunk = pkt[p : p + dlen]
        p += dlen
        key = (a6, sid)
        status = (etype >> EXT_STATUS_SHIFT) & 3
        held = pending.pop(key, None)  # popped and put back: the dict stays in order of last fragment
        if held is not None:
            held += chunk[: ADV_DATA_MAX - len(held)]  # in place: linear in the chain's length
        if status == 1:
            if held is None:
                if len(pending) >= PENDING_MAX:
                    del pending[next(iter(pending))]  # the chain heard from longest ago
                held = bytearray(chunk[:ADV_DATA_MAX])
            pending[key] = held
            continue
        adv = chunk if held is None else bytes(held)
        address = addresses.get(a6)
        if address is None:
            address = addresses[a6] = _address(a6)
        address_type = _ADDRESS_TYPES.get(atype, AddressType.UNKNOWN)
        connectable: bool | None = bool(etype & EXT_CONNECTABLE)
        if etype & EXT_SCAN_RESPONSE:
            prior = scannable.get(address)
            if prior is not None:
                adv, connectable = prior[2] + adv, prior[3]
            elif etype & EXT_LEGACY:
                connectable = None
        elif etype & EXT_SCANNABLE:
            scannable[address] = (address, address_type, adv, connectable)
        rssi = None if rssi_raw == RSSI_UNAVAILABLE else rssi_raw
        out.append(Sighting(t, address, address_type, rssi, adv, source, connectable))
    return p == n


def parse_btsnoop(
    data: bytes | bytearray | memoryview, source: str = "replay"
) -> tuple[list[Sighting], BtsnoopStats]:
    """Every sighting in an in-memory btsnoop log, and what was read, skipped and left out.

    Raises InputError only when the data is not a btsnoop log at all (see `check_header`).
    """
    raw = bytes(data)
    stats = BtsnoopStats()
    check_header(raw[:16], "the data")
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
                head = f.read(16)
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


# --- writing -------------------------------------------------------------------------------------

_ADDRESS_TYPE_CODES = {AddressType.PUBLIC: 0, AddressType.RANDOM: 1, AddressType.UNKNOWN: 1}


def _address_bytes(address: str) -> bytes:
    try:
        raw = bytes.fromhex(address.replace(":", ""))
    except ValueError:
        raw = b""
    if len(raw) != 6:
        raise InputError(f"{address!r} is not a Bluetooth address like AA:BB:CC:DD:EE:FF.")
    return raw[::-1]


def advertising_event(s: Sighting) -> list[bytes]:
    """The HCI LE Meta event(s) (without H4 byte) that report one sighting.

    Up to 31 bytes of AD data: an LE Advertising Report (ADV_IND when
    connectable, else ADV_NONCONN_IND).  Longer: LE Extended Advertising
    Reports, fragmented with data status "more to come" beyond 229 bytes.
    """
    a6 = _address_bytes(s.address)
    atype = _ADDRESS_TYPE_CODES[s.address_type]
    rssi = RSSI_UNAVAILABLE if s.rssi is None else max(-127, min(126, s.rssi))
    if len(s.adv) <= LEGACY_MAX_DATA:
        etype = ADV_IND if s.connectable else ADV_NONCONN_IND
        body = bytes((SUB_ADV_REPORT, 1, etype, atype)) + a6 + bytes((len(s.adv),)) + s.adv
        body += struct.pack("b", rssi)
        return [bytes((EVT_LE_META, len(body))) + body]
    events = []
    adv = s.adv
    chunks = [adv[i : i + EXT_MAX_DATA] for i in range(0, len(adv), EXT_MAX_DATA)]
    for i, chunk in enumerate(chunks):
        status = 0 if i == len(chunks) - 1 else 1
        etype = (EXT_CONNECTABLE if s.connectable else 0) | (status << EXT_STATUS_SHIFT)
        report = _EXT_FIXED.pack(etype, atype, a6, 1, 0, 0, 127, rssi, 0, 0, bytes(6), len(chunk)) + chunk
        body = bytes((SUB_EXT_ADV_REPORT, 1)) + report
        events.append(bytes((EVT_LE_META, len(body))) + body)
    return events


def _record(payload: bytes, flags: int, t: float) -> bytes:
    ts = round(t * 1_000_000) + EPOCH_DELTA_US
    return _RECORD_HEADER.pack(len(payload), len(payload), flags, 0, ts) + payload


def write_btsnoop(
    path: str | os.PathLike[str], sightings: Iterable[Sighting], datalink: int = DATALINK_MONITOR
) -> int:
    """Write sightings as a btsnoop log (datalink 2001 or 1002), file mode 0600; return the count.

    Times are kept to the microsecond.  An UNKNOWN address type is written as
    random, and ``connectable=None`` as non-connectable.
    """
    if datalink not in (DATALINK_MONITOR, DATALINK_H4):
        raise InputError(f"btsnoop datalink {datalink} cannot be written; use 2001 or 1002.")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    count = 0
    with os.fdopen(fd, "wb", buffering=1 << 20) as f:
        f.write(_FILE_HEADER.pack(MAGIC, VERSION, datalink))
        first = True
        for s in sightings:
            if first and datalink == DATALINK_MONITOR:
                # btmon starts with a "New Index" record for the adapter: type, bus, address, name.
                f.write(_record(bytes((0, 0)) + bytes(6) + b"hci0\0\0\0\0", MONITOR_NEW_INDEX, s.time))
            first = False
            for event in advertising_event(s):
                if datalink == DATALINK_H4:
                    f.write(_record(bytes((H4_EVENT,)) + event, 3, s.time))
                else:
                    f.write(_record(event, MONITOR_EVENT, s.time))
            count += 1
    return count
