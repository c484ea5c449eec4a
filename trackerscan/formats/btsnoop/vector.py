"""The numpy fast paths of the btsnoop reader: runs of single advertising reports found and decoded
without a Python loop per record.

`vector_walk` finds, from a position, the run of records numpy can take (single legacy or extended
reports, other HCI traffic and damaged records between them counted); `vector_chunk` decodes them in
one go into `Columns`, each distinct report decoded once.  Both read the fields named in
`trackerscan.formats.btsnoop.records` and are tested equal to its careful parser.
"""

from __future__ import annotations

import mmap
from bisect import bisect_left
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from trackerscan.formats.btsnoop.records import (
    ADV_DATA,
    ADV_DATA_LENGTH,
    DATALINK_H4,
    DATALINK_MONITOR,
    EPOCH_DELTA_US,
    EVT_LE_META,
    EVT_LENGTH,
    EVT_PARAMS,
    EVT_REPORT_COUNT,
    EVT_REPORTS,
    EVT_SUBEVENT,
    EXT_ADDRESS,
    EXT_DATA,
    EXT_DATA_LENGTH,
    EXT_KEY,
    EXT_MAX_DATA,
    EXT_RSSI,
    EXT_SCAN_RESPONSE,
    EXT_SCANNABLE,
    EXT_SID,
    EXT_STATUS_SHIFT,
    H4_EVENT,
    LEGACY_MAX_DATA,
    MONITOR_EVENT,
    OTHER,
    REC_FLAGS,
    REC_INCLUDED,
    REC_PACKET,
    REC_TIME,
    RECORD_HEADER,
    REPORT_CACHE_MAX,
    REPORTS,
    RSSI_OF_BYTE,
    SCAN_RSP,
    SKIPPED,
    SUB_ADV_REPORT,
    SUB_EXT_ADV_REPORT,
    TS_MAX,
    TS_MIN,
    Columns,
    Report,
    decode_report,
    record_kind,
)

# Runs of reports between other HCI traffic shorter than this are read record by record: below it the
# fixed cost of a numpy chunk (~0.2 ms) is more than it saves (measured on the busy city with a Command
# Complete event every 200 reports: 1.0 s per million reports either way, 1.5 s with numpy on each run).
RUN_MIN_RECORDS = 1024
VECTOR_MIN_RECORDS = 64  # below this a chunk is parsed record by record (numpy set-up costs more)


class Run(NamedTuple):
    """Records from a chunk's start that numpy can take: the advertising reports to decode, and how
    many records of other traffic and damaged ones lie between them."""

    reports: npt.NDArray[np.int64]  # record offsets, in order
    other: int
    skipped: int
    limit: int  # where the run's last record ends


# What `vector_walk` answers when the record where it starts needs the careful parser.
NOT_A_REPORT = Run(np.empty(0, dtype=np.int64), 0, 0, -1)


def vector_walk(
    data: bytes | mmap.mmap, arr: npt.NDArray[np.uint8], off: int, datalink: int, window: int, span: int
) -> Run | None:
    """The run of up to ``window`` records from ``off`` on, within about ``span`` bytes, whose advertising
    reports `vector_chunk` can decode; `NOT_A_REPORT` when the record at ``off`` needs the careful
    parser; None when the run would be too short to be worth numpy.

    Walking a million records one by one in Python costs a third of a second.  Here the reports are
    found without a Python loop: every byte that could be the event code of a record numpy can decode
    (`decodable`: its header, event, subevent, lengths and time all fit) is a candidate start, and
    the run follows the chains of candidates where each starts where the previous record ends.  That
    keeps the answer exact: candidates off the chain (data that looks like a header) are never reached.
    Where a chain breaks, the record there is looked at in Python: other traffic or a damaged record is
    counted and stepped over; one that holds reports numpy cannot take (several in one event,
    fragments) ends the run, and the careful parser takes it.
    """
    n = arr.shape[0]
    ev = REC_PACKET + (datalink == DATALINK_H4)  # the event, after the record header (and H4 byte)
    end = min(n - VECTOR_TAIL, off + span)  # candidate starts lie before this
    if end - off < VECTOR_MIN_RECORDS:
        return None
    header = RECORD_HEADER.unpack_from
    h4, monitor = datalink == DATALINK_H4, datalink == DATALINK_MONITOR
    if not len(decodable(arr, np.array([off], dtype=np.int64), datalink)[0]):
        # the first record first, before looking ahead: a long fragment chain is read one record at a time
        _orig, incl, flags, _drops, ts = header(data, off)
        if off + REC_PACKET + incl > n:
            return None
        if record_kind(data, off + REC_PACKET, off + REC_PACKET + incl, flags, ts, h4, monitor) == REPORTS:
            return NOT_A_REPORT
    at = np.flatnonzero(arr[off + ev : end + ev] == EVT_LE_META)
    at += off
    starts, ends = decodable(arr, at, datalink)
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
        e = pos + REC_PACKET + incl
        if e > n:
            break  # cut off: the careful parser counts it
        kind = record_kind(data, pos + REC_PACKET, e, flags, ts, h4, monitor)
        if kind == REPORTS:
            stopped = True
            break
        other += kind == OTHER
        skipped += kind == SKIPPED
        count += 1
        pos = e
    if not pieces:
        return NOT_A_REPORT if stopped and pos == off else None
    found = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    reports = found.shape[0]
    if reports < VECTOR_MIN_RECORDS or (stopped and reports < min(RUN_MIN_RECORDS, window)):
        return None  # a short run: cheaper record by record
    return Run(found, other, skipped, pos)


# Candidate records start at least this far before the end of the file, so every word `decodable` and
# `vector_chunk` read of them lies inside it: header, H4 byte, event, extended report, data words.
VECTOR_TAIL = REC_PACKET + 1 + EVT_REPORTS + EXT_DATA + 8 * (-(-EXT_MAX_DATA // 8))


def decodable(
    arr: npt.NDArray[np.uint8], at: npt.NDArray[np.int64], datalink: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Those of the record starts ``at`` (each at least VECTOR_TAIL bytes before the end) that hold one
    advertising report `vector_chunk` decodes exactly as the careful parser does, and where each ends."""
    b = 1 if datalink == DATALINK_H4 else 0
    ev = REC_PACKET + b  # the event, after the record header (and H4 byte)
    n = arr.shape[0]
    sub = arr[at + ev + EVT_SUBEVENT]
    at = at[((sub == SUB_ADV_REPORT) | (sub == SUB_EXT_ADV_REPORT)) & (arr[at + ev + EVT_REPORT_COUNT] == 1)]
    sub = arr[at + ev + EVT_SUBEVENT]
    w4 = _words(arr, 4)
    incl = w4[at + REC_INCLUDED].astype(np.int64)
    ends = at + REC_PACKET + incl
    p = at + ev + EVT_REPORTS  # the report
    plen = arr[at + ev + EVT_LENGTH].astype(np.int64)
    ok = (ends <= n) & (incl == b + EVT_PARAMS + plen)  # the record holds the event and nothing more
    if b:
        ok &= arr[at + REC_PACKET] == H4_EVENT
    elif datalink == DATALINK_MONITOR:
        ok &= (w4[at + REC_FLAGS] & 0xFFFF) == MONITOR_EVENT
    else:
        ok &= (w4[at + REC_FLAGS] & 3) == 3
    ts = _signed_words(arr)[at + REC_TIME]
    ok &= (ts >= TS_MIN) & (ts < TS_MAX)
    before = EVT_REPORTS - EVT_PARAMS  # parameters before the report: subevent code, report count
    etype = arr[p]
    dlen = arr[p + ADV_DATA_LENGTH].astype(np.int64)
    legacy = (sub == SUB_ADV_REPORT) & (etype <= SCAN_RSP) & (dlen <= LEGACY_MAX_DATA)
    legacy &= plen == before + ADV_DATA + dlen + 1  # the report, then its RSSI byte
    dlen = arr[p + EXT_DATA_LENGTH].astype(np.int64)
    extended = (sub == SUB_EXT_ADV_REPORT) & (((etype >> EXT_STATUS_SHIFT) & 3) != 1)  # not "more to come"
    extended &= plen == before + EXT_DATA + dlen
    ok &= legacy | extended
    return at[ok], ends[ok]


def as_array(data: bytes | mmap.mmap) -> npt.NDArray[np.uint8] | None:
    try:
        return np.frombuffer(data, dtype=np.uint8)
    except (ValueError, TypeError, BufferError):
        return None


_RSSI_OBJ = np.array(RSSI_OF_BYTE, dtype=object)
# Little-endian masks keeping the first k bytes of an 8-byte word, k = 0..8.
_KEEP = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
# _KEEP_OF_LENGTH[j][length]: the mask of word j of data of that length (the bytes of it the data covers).
_KEEP_OF_LENGTH = _KEEP[np.clip(np.arange(256) - 8 * np.arange(-(-EXT_MAX_DATA // 8))[:, None], 0, 8)]
_MIX = np.uint64(0x9E3779B97F4A7C15)


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


def vector_chunk(
    data: bytes | mmap.mmap,
    arr: npt.NDArray[np.uint8],
    offsets: npt.NDArray[np.int64],
    datalink: int,
    reports: dict[bytes, Report],
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    pending: dict[tuple[bytes, int], bytearray],
) -> Columns | None:
    """The sightings of records `decodable` found, as columns; None (and nothing changed) if one of
    them ends a fragment chain (the careful parser joins it) or two reports' hashes collide.

    Fields are gathered with overlapping word views of the file (one gather per field, no per-record
    Python); equal reports are found by their bytes (hashed, then compared word by word), so each
    distinct report is decoded once and the sightings share its address and data objects.
    """
    ev = REC_PACKET + (datalink == DATALINK_H4)  # the event, after the record header (and H4 byte)
    offs = offsets
    count = offs.shape[0]
    w8 = _native_words(arr)
    p = offs + ev + EVT_REPORTS  # the report: event type first, in both kinds
    ext = arr[offs + ev + EVT_SUBEVENT] == SUB_EXT_ADV_REPORT
    any_ext = bool(ext.any())
    etype = arr[p].astype(np.int64)
    if any_ext:
        etype += np.where(ext, arr[p + 1].astype(np.int64) << 8, 0)  # an extended event type's high byte
        dlen = np.where(ext, arr[p + EXT_DATA_LENGTH], arr[p + ADV_DATA_LENGTH]).astype(np.int64)
        # the key: event type .. SID (extended) or .. data length (legacy)
        head = np.where(ext, EXT_SID + 1, ADV_DATA)
        data_at = np.where(ext, p + EXT_DATA, p + ADV_DATA)
        rssi_at = np.where(ext, p + EXT_RSSI, data_at + dlen)
    else:
        dlen = arr[p + ADV_DATA_LENGTH].astype(np.int64)
        head = np.full(count, ADV_DATA)
        data_at = p + ADV_DATA
        rssi_at = data_at + dlen
    times = ((_signed_words(arr)[offs + REC_TIME] - EPOCH_DELTA_US) / 1e6).tolist()
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
    a_at = len(EXT_KEY) + EXT_ADDRESS  # where an extended key holds the address, and the SID
    sid_at = len(EXT_KEY) + EXT_SID
    for at, hd, da, dl in zip(
        p[first].tolist(), head[first].tolist(), data_at[first].tolist(), dlen[first].tolist(), strict=True
    ):
        if hd == ADV_DATA:  # legacy: event type .. end of data, as the record-by-record path keys it
            key = data[at : at + hd + dl]
        else:
            key = EXT_KEY + data[at : at + hd] + data[da : da + dl]
            if pending and (key[a_at : a_at + 6], key[sid_at]) in pending:
                return None  # the last fragment of a chain: the careful parser joins them
        hit = reports.get(key)
        if hit is None:
            if len(reports) >= REPORT_CACHE_MAX:
                reports.clear()
            hit = reports[key] = decode_report(key, addresses)
        hits.append(hit)
    table = np.empty((len(hits), 4), dtype=object)
    table[:] = hits
    # column by column (twice as fast as gathering the rows and transposing them)
    cols: list[list[Any]] = [table[:, k][inv].tolist() for k in range(4)]
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
