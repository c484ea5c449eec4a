"""Find transmitters whose uplink bursts repeat on a stable schedule.  Pure: hops in, findings out.

1. Hops with the same layout (start, step, bins) form a matrix of sweeps × bins; each bin's noise
   floor is its median and its spread the scaled MAD (robust: a tracker is on a few % of the time).
2. Samples well above their floor are hits; adjacent hit bins of one sweep are an event; events close
   in time and overlapping in frequency are a burst.  Bursts wider than a tracker's channel or longer
   than a report are interference and are dropped (and counted).
3. In each band, schedules are grown from every pair of similar bursts (near in frequency and level)
   one period apart, predicting the next and taking the burst that arrives on time; the longest,
   steadiest schedule wins and its bursts are taken out before the next is looked for.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from trackerscan.rf import thresholds as th
from trackerscan.rf.bands import Band, band_name
from trackerscan.rf.levels import Layout, SweepLevels
from trackerscan.rf.records import Coverage, Hop, Transmitter


@dataclass(frozen=True, slots=True)
class Burst:
    start: float
    end: float
    low_hz: int
    high_hz: int
    peak_db: float
    above_db: float  # peak above the floor of its channel
    floor_db: float

    @property
    def center_hz(self) -> float:
        return (self.low_hz + self.high_hz) / 2


@dataclass(slots=True)
class Analysis:
    transmitters: list[Transmitter]
    coverage: list[Coverage]
    bursts: int  # bursts found in the bands, on schedule or not
    interference: int  # bursts dropped as wideband or too long
    damaged: int  # damaged lines in the recording
    seconds: float  # from the first sweep to the last
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Event:
    time: float
    low_hz: int
    high_hz: int
    peak_db: float
    above_db: float
    floor_db: float


def _sweep_interval(times: np.ndarray) -> float:
    if len(times) < 2:
        return 0.0
    d = np.diff(np.sort(times))
    d = d[d > 0]
    return float(np.median(d)) if len(d) else 0.0


def _events(key: Layout, times: np.ndarray, d: np.ndarray, bands: tuple[Band, ...]) -> list[_Event]:
    low, step, n = key
    freqs = low + np.arange(n) * step
    in_band = np.zeros(n, dtype=bool)
    for b in bands:
        in_band |= (freqs >= b.low_hz) & (freqs <= b.high_hz)
    if not in_band.any() or len(times) < 3:
        return []
    floor = np.median(d, axis=0)
    spread = th.MAD_TO_SIGMA * np.median(np.abs(d - floor), axis=0)
    thr = floor + np.maximum(th.BURST_DB, th.BURST_SIGMAS * spread)
    hits = (d > thr) & in_band
    events: list[_Event] = []
    for r in np.flatnonzero(hits.any(axis=1)):
        cols = np.flatnonzero(hits[r])
        start = prev = int(cols[0])
        for c in [*cols[1:].tolist(), None]:
            if c is not None and c - prev <= th.BIN_GAP + 1:
                prev = c
                continue
            seg = slice(start, prev + 1)
            above = d[r, seg] - floor[seg]
            k = int(np.argmax(above))
            events.append(_Event(float(times[r]), round(freqs[start]), round(freqs[prev] + step),
                                 float(d[r, seg][k]), float(above[k]), float(floor[seg][k])))
            if c is not None:
                start = prev = c
    return events


def _bursts(events: list[_Event], gap_s: float) -> list[Burst]:
    """Events into bursts: an event continues a burst whose last event overlaps it in frequency and
    came at most ``gap_s`` before (the last event, not the burst's whole span, so one long burst
    does not swallow its neighbours)."""
    events.sort(key=lambda e: e.time)
    open_: list[list[_Event]] = []
    done: list[list[_Event]] = []
    for e in events:
        still = []
        joined = None
        for group in open_:
            last = group[-1]
            if e.time - last.time > gap_s:
                done.append(group)
                continue
            still.append(group)
            overlaps = e.low_hz <= last.high_hz and e.high_hz >= last.low_hz
            if joined is None and overlaps:
                joined = group
        open_ = still
        if joined is not None:
            joined.append(e)
        else:
            open_.append([e])
    done.extend(open_)
    out = []
    for g in done:
        top = max(g, key=lambda x: x.above_db)
        out.append(Burst(g[0].time, g[-1].time, min(x.low_hz for x in g), max(x.high_hz for x in g),
                         top.peak_db, top.above_db, top.floor_db))
    out.sort(key=lambda b: b.start)
    return out


def _line(ns: list[int], ts: list[float]) -> tuple[float, float]:
    """Least-squares t = t0 + n·p: (t0, p); in closed form (a few bursts: far quicker than a solver)."""
    m = len(ns)
    n_mean, t_mean = sum(ns) / m, sum(ts) / m
    sxx = sum((n - n_mean) ** 2 for n in ns)
    p = sum((n - n_mean) * (t - t_mean) for n, t in zip(ns, ts, strict=True)) / sxx
    return t_mean - p * n_mean, p


def _residuals(ns: list[int], ts: list[float]) -> tuple[float, float, np.ndarray]:
    """Least-squares t = t0 + n·p: (t0, p, residuals)."""
    t0, p = _line(ns, ts)
    return t0, p, np.array([t - (t0 + n * p) for n, t in zip(ns, ts, strict=True)])


@dataclass(slots=True)
class _Chain:
    idx: list[int]
    ns: list[int]
    period: float
    jitter: float
    grown: int = 0  # bursts it held when grown, before any was dropped

    @property
    def fill(self) -> float:
        return len(self.idx) / (self.ns[-1] + 1)


def _compatible(a: Burst, b: Burst, span_hz: float = th.HOP_SPAN_HZ) -> bool:
    """Near in frequency (centres within ``span_hz``), level and width."""
    wa, wb = a.high_hz - a.low_hz, b.high_hz - b.low_hz
    return (abs(a.center_hz - b.center_hz) <= span_hz
            and abs(a.above_db - b.above_db) <= th.LEVEL_TOL_DB
            and abs(wa - wb) <= max(th.WIDTH_TOL_HZ, th.WIDTH_TOL_REL * max(wa, wb)))


def _same_channel(a: Burst, b: Burst, chan_hz: float) -> bool:
    """Both edges within ``chan_hz``: the same allocation on the same channel."""
    return abs(a.low_hz - b.low_hz) <= chan_hz and abs(a.high_hz - b.high_hz) <= chan_hz


def _channels(bursts: list[Burst], idx: list[int], chan_hz: float) -> list[int]:
    """The schedule's channels: the bursts (indices into ``bursts``) whose footprints the others match.

    The footprint that most bursts match is a channel; the bursts matching it are taken out, and so on.
    A channel needs two bursts and must not overlap one found before (another channel of a tracker
    is a different allocation; a footprint that overlaps one is the same traffic drifting)."""
    left = list(idx)
    refs: list[int] = []
    while len(left) >= 2:
        ref = max(left, key=lambda k: sum(_same_channel(bursts[k], bursts[o], chan_hz) for o in left))
        match = [o for o in left if _same_channel(bursts[ref], bursts[o], chan_hz)]
        if len(match) < 2:
            break
        left = [o for o in left if o not in match]
        r = bursts[ref]
        if not any(r.low_hz < bursts[c].high_hz and bursts[c].low_hz < r.high_hz for c in refs):
            refs.append(ref)
    return refs


def _lone(bursts: list[Burst], idx: list[int], ns: list[int], ts: list[float], chan_hz: float,
          exact_s: float) -> list[int]:
    """Positions in ``idx`` of the bursts on none of the schedule's channels, except up to MAX_LONE that
    look like the tracker moved: each clear of those channels, exactly as wide as one of them (the same
    allocation elsewhere) and exactly on time (LONE_FIT_SHARE)."""
    refs = _channels(bursts, idx, chan_hz)
    lone = [p for p, k in enumerate(idx)
            if not any(_same_channel(bursts[r], bursts[k], chan_hz) for r in refs)]

    def moved(p: int) -> bool:
        b = bursts[idx[p]]
        return (not any(b.low_hz < bursts[r].high_hz and bursts[r].low_hz < b.high_hz for r in refs)
                and any(abs((b.high_hz - b.low_hz) - (bursts[r].high_hz - bursts[r].low_hz)) <= chan_hz
                        for r in refs)
                and abs(_off_fit(ns, ts, p)) <= exact_s)

    if refs and len(lone) <= th.MAX_LONE and len(idx) - len(lone) >= 3 and all(moved(p) for p in lone):
        return []
    return lone


def _off_fit(ns: list[int], ts: list[float], p: int) -> float:
    """How far burst ``p`` is from the schedule fitted to the others, in units of how well they place it:
    seconds divided by sqrt(1 + 1/m + (n - mean n)² / sum (n_i - mean n)²), the standard error of a
    least-squares prediction over that of one burst (a burst at either end is placed by extrapolation)."""
    rest = ns[:p] + ns[p + 1:]
    t0, period = _line(rest, ts[:p] + ts[p + 1:])
    mean = sum(rest) / len(rest)
    spread = sum((n - mean) ** 2 for n in rest)
    return (ts[p] - (t0 + ns[p] * period)) / math.sqrt(1 + 1 / len(rest) + (ns[p] - mean) ** 2 / spread)


def _on_slots(ns: list[int]) -> list[int]:
    """Slot numbers from 0; bursts only on every second (third…) slot are on a schedule that many times
    slower."""
    ns = [n - ns[0] for n in ns]
    step = math.gcd(*ns[1:]) if len(ns) > 1 else 1
    return [n // step for n in ns] if step > 1 else ns


def _grow(bursts: list[Burst], starts: list[float], i: int, j: int, tol_s: float,
          outlier_s: float, chan_hz: float, exact_s: float, slots: int = 1) -> _Chain:
    """The schedule through bursts ``i`` and ``j``, ``slots`` periods apart: forward to the end, then back
    from ``i`` to the start (the pair that starts the best schedule need not be its first two bursts)."""
    anchor = bursts[i]
    idx, ns, ts = [i, j], [0, slots], [bursts[i].start, bursts[j].start]
    t0, p = ts[0], (ts[1] - ts[0]) / slots

    def pick(window: range, pred: float) -> int | None:
        """The burst on one of the schedule's channels first, then the one nearest its time; near the
        anchor in level and width; in frequency, the schedule's bursts so far and this one within
        2 HOP_SPAN_HZ (its channels either side of its carrier's centre)."""
        near = [k for k in window if _compatible(anchor, bursts[k], 2 * th.HOP_SPAN_HZ)]
        if not near:
            return None
        lo_c, hi_c = min(bursts[m].center_hz for m in idx), max(bursts[m].center_hz for m in idx)
        cands = [(not any(_same_channel(bursts[k], bursts[m], chan_hz) for m in idx),
                  abs(starts[k] - pred), k) for k in near
                 if max(hi_c, bursts[k].center_hz) - min(lo_c, bursts[k].center_hz) <= 2 * th.HOP_SPAN_HZ]
        return min(cands)[2] if cands else None

    # the slots between the pair, when it is more than one period apart
    for n in range(1, slots):
        pred = t0 + n * p
        tol = tol_s + th.TIME_TOL_REL * p
        between = pick(range(max(bisect.bisect_left(starts, pred - tol), i + 1),
                             min(bisect.bisect_right(starts, pred + tol), j)), pred)
        if between is not None:
            idx.insert(-1, between)
            ns.insert(-1, n)
            ts.insert(-1, starts[between])
    if len(idx) > 2:
        t0, p = _line(ns, ts)
    for step in (1, -1):
        n, misses = (slots if step == 1 else 0), 0
        while misses <= th.MAX_MISSES:
            n += step
            pred = t0 + n * p
            # the period is known only as well as the bursts so far pin it: further from them, wider
            span = max(1, ns[-1] - ns[0])
            gap = n - ns[-1] if step == 1 else ns[0] - n
            tol = tol_s + th.TIME_TOL_REL * p + min(tol_s, tol_s / span * max(0, gap - 1))
            if pred - tol > starts[-1] or pred + tol < starts[0]:
                break
            lo = bisect.bisect_left(starts, pred - tol)
            hi = bisect.bisect_right(starts, pred + tol)
            best = pick(range(max(lo, idx[-1] + 1), hi) if step == 1 else range(lo, min(hi, idx[0])), pred)
            if best is None:
                misses += 1
                continue
            misses = 0
            at = len(idx) if step == 1 else 0
            idx.insert(at, best)
            ns.insert(at, n)
            ts.insert(at, starts[best])
            t0, p = _line(ns, ts)
    grown = len(idx)
    # A report is short beside the period; a burst lasting much of it is a carrier's on-time (MAX_DUTY).
    for q in reversed(range(len(idx))):
        if bursts[idx[q]].end - bursts[idx[q]].start > th.MAX_DUTY * p:
            del idx[q], ns[q], ts[q]
    # A tracker comes back to its channels; a burst on a channel no other burst of the schedule used is
    # someone else's that happened to arrive on time (CHANNEL_TOL_BINS in thresholds.py).
    for p in reversed(_lone(bursts, idx, ns, ts, chan_hz, exact_s)):
        del idx[p], ns[p], ts[p]
    if len(idx) < 2:
        return _Chain(idx, ns, 0.0, math.inf, grown)
    # Another burst that happened to arrive near a slot the tracker's own burst missed (hidden under a
    # phone's, say) is off the schedule by more than the sweep can explain: drop the worst such.
    while len(idx) > th.MIN_BURSTS:
        _, p, resid = _residuals(ns, ts)
        worst = int(np.argmax(np.abs(resid)))
        if abs(resid[worst]) <= outlier_s:
            break
        del idx[worst], ns[worst], ts[worst]
    ns = _on_slots(ns)
    # Nearly only: the few on other slots are strays that filled its gaps (a phone's burst on time),
    # unless they keep time as well as the rest (HARMONIC_FIT_S) and are on the channels of the slower
    # schedule (two phone bursts on an allocation of their own make a channel of it): then they are
    # the tracker's, and the schedule is this fast (a tracker that skipped many reports can leave nearly
    # only every second one).  A burst on a new channel, kept above as the tracker's move, is not
    # evidence enough for a faster schedule.
    _, _, resid = _residuals(ns, ts)
    for m in (2, 3):
        best_r = max(range(m), key=lambda r: sum(1 for n in ns if n % m == r))
        keep = [k for k, n in enumerate(ns) if n % m == best_r]
        if not th.MIN_BURSTS <= len(keep) < len(ns) or len(keep) < th.HARMONIC_SHARE * len(ns):
            continue
        tight = max(abs(resid[k]) for k in keep) + th.HARMONIC_FIT_S
        refs = _channels(bursts, [idx[k] for k in keep], chan_hz)  # the slower schedule's channels
        if any(abs(resid[k]) > tight
               or not any(_same_channel(bursts[r], bursts[idx[k]], chan_hz) for r in refs)
               for k in range(len(ns)) if k not in keep):
            idx, ts = [idx[k] for k in keep], [ts[k] for k in keep]
            ns = _on_slots([ns[k] for k in keep])
            break
    _, p, resid = _residuals(ns, ts)
    return _Chain(idx, ns, p, float(math.sqrt(float(np.mean(resid**2)))), grown)


def confidence(bursts: int, chance: float) -> float:
    """0-1: grows with the bursts on schedule (5 → 0.88, 6 → 0.94, 8 → 0.98) and falls with the
    expected number of chains this good (as many bursts in as many slots) made by chance."""
    return max(0.0, (1.0 - 0.5 ** (bursts - 2)) * (1.0 - min(1.0, th.CHANCE_SAFETY * chance)))


def _binom_tail(n: int, k: int, q: float) -> float:
    """P(X >= k) for X ~ Binomial(n, q)."""
    if k <= 0:
        return 1.0
    return float(sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(k, n + 1)))


def _chance(chain: _Chain, bursts: list[Burst], tol_s: float, places: float, chan_hz: float) -> float:
    """Expected number of chains at least this good made of unrelated bursts near its channel.

    Bursts on one of the chain's channels (both edges matching one of its bursts) but not in it, around
    the time of the chain (traffic comes and goes, so the local rate, not the recording's), arrive at a
    rate r; each could start a chain with any of the others one plausible period later (the trials),
    each expected slot then holds one by chance with probability q, and a chance chain needs
    ``len - 2`` of the ``slots - 2`` slots after its first pair filled (Binomial tail).  The best of all
    chains is kept, so the count is multiplied by the number of ``places`` (neighbourhoods of the
    swept spectrum as wide as a transmitter may hop) where such a chain could have been found."""
    members = set(chain.idx)
    own = [bursts[k] for k in chain.idx]
    lo = own[0].start - th.CHANCE_MARGIN_PERIODS * chain.period
    hi = own[-1].start + th.CHANCE_MARGIN_PERIODS * chain.period
    others = sum(1 for k, b in enumerate(bursts)
                 if k not in members and lo <= b.start <= hi
                 and any(_same_channel(m, b, chan_hz) for m in own))
    if others == 0:
        return 0.0
    rate = others / (hi - lo)
    window = 2 * (tol_s + th.TIME_TOL_REL * chain.period)
    q = 1.0 - math.exp(-rate * window)
    trials = places * max(1.0, rate * (hi - lo)) * max(1.0, rate * (th.MAX_PERIOD_S - th.MIN_PERIOD_S))
    slots = chain.ns[-1] + 1
    return trials * _binom_tail(slots - 2, len(chain.idx) - 2, q)


def _jitter_limit(period: float, max_jitter_s: float) -> float:
    """The RMS jitter a schedule of ``period`` may have: ``max_jitter_s``, or MAX_JITTER_REL of a long
    period."""
    return max(max_jitter_s, th.MAX_JITTER_REL * period)


def _schedules(bursts: list[Burst], tol_s: float, max_jitter_s: float, outlier_s: float, places: float,
               chan_hz: float) -> list[tuple[_Chain, float]]:
    starts = [b.start for b in bursts]
    exact_s = th.LONE_FIT_SHARE * max_jitter_s
    chains: list[_Chain] = []
    for i, a in enumerate(bursts):
        lo = bisect.bisect_left(starts, a.start + th.MIN_PERIOD_S)
        hi = bisect.bisect_right(starts, a.start + th.MAX_PERIOD_S)
        for j in range(lo, hi):
            if not _compatible(a, bursts[j]):
                continue
            c = _grow(bursts, starts, i, j, tol_s, outlier_s, chan_hz, exact_s)
            grown = [c]
            # The pair may be two periods apart (the report between skipped): a schedule nearly long
            # enough is tried at half the period too, and kept if bursts between join it.
            if c.grown >= th.HALF_TRY_BURSTS and (starts[j] - a.start) / 2 >= th.MIN_PERIOD_S:
                grown.append(_grow(bursts, starts, i, j, tol_s, outlier_s, chan_hz, exact_s, slots=2))
            for g in grown:
                if not (len(g.idx) >= th.MIN_BURSTS and g.fill >= th.MIN_FILL
                        and th.MIN_PERIOD_S <= g.period <= th.MAX_PERIOD_S):
                    continue
                limit = _jitter_limit(g.period, max_jitter_s)
                # alone on its channels (no other burst there to line up by chance): a looser limit
                if g.jitter <= limit or (g.jitter <= th.QUIET_JITTER_FACTOR * limit
                                         and _chance(g, bursts, tol_s, places, chan_hz) == 0.0):
                    chains.append(g)
    chains.sort(key=lambda c: (-len(c.idx), c.jitter))
    chains = [c for c in chains if float(np.median([bursts[k].above_db for k in c.idx])) >= th.MIN_LEVEL_DB]
    owner: dict[int, int] = {}  # burst -> the schedule in ``out`` that took it
    out: list[tuple[_Chain, float]] = []
    for c in chains:
        shared = {owner[k] for k in c.idx if k in owner}
        if len(shared) == 1:
            # The same transmitter at twice (three times) the period of another schedule found: both
            # hold bursts the other lacks (reports skipped in a long run, say); together, at the
            # shorter period, they are one schedule, if they keep time together.
            (k,) = shared
            u = _harmonic_union(out[k][0], c, bursts, outlier_s, chan_hz)
            if u is not None and u.fill >= th.MIN_FILL and u.jitter <= _jitter_limit(u.period, max_jitter_s):
                conf = confidence(len(u.idx), _chance(u, bursts, tol_s, places, chan_hz))
                if conf >= th.MIN_CONFIDENCE:
                    out[k] = (u, conf)
                    owner.update(dict.fromkeys(u.idx, k))
            continue
        if shared:
            continue
        conf = confidence(len(c.idx), _chance(c, bursts, tol_s, places, chan_hz))
        if conf < th.MIN_CONFIDENCE:
            continue
        owner.update(dict.fromkeys(c.idx, len(out)))
        out.append((c, conf))
    return _merge_pieces(out, bursts, tol_s, places, chan_hz)


def _harmonic_union(a: _Chain, b: _Chain, bursts: list[Burst], outlier_s: float,
                    chan_hz: float) -> _Chain | None:
    """``a`` and ``b`` as one schedule at the shorter of their periods, when the longer is twice or three
    times it, every burst of both falls on its own slot of it within ``outlier_s`` and is on one of the
    slower schedule's channels (a burst on a channel of its own, kept in the faster schedule as the
    tracker's move, or two on a channel of their own, are not evidence enough for it: a phone's, in a
    busy street); else None."""
    short, long_ = sorted((a, b), key=lambda c: c.period)
    m = round(long_.period / short.period)
    if m not in (2, 3) or abs(long_.period - m * short.period) > th.TIME_TOL_REL * long_.period:
        return None
    idx = sorted(set(a.idx) | set(b.idx), key=lambda k: bursts[k].start)
    refs = _channels(bursts, long_.idx, chan_hz)
    if not all(any(_same_channel(bursts[r], bursts[k], chan_hz) for r in refs) for k in idx):
        return None
    return _one_clock(idx, bursts, bursts[short.idx[0]].start, short.period, outlier_s)


def _one_clock(idx: list[int], bursts: list[Burst], t0: float, period: float, tol_s: float,
               tol_rel: float = 0.0) -> _Chain | None:
    """The bursts ``idx`` as one schedule on the clock of ``period`` from ``t0``: each on a slot of its
    own, none further than ``tol_s`` plus ``tol_rel`` of the fitted period from the schedule fitted to
    them all; else None.  The fit takes them in the order given; the schedule has them in time order."""
    ts = [bursts[k].start for k in idx]
    ns = [round((t - t0) / period) for t in ts]
    if len(set(ns)) != len(ns):
        return None
    _, p, resid = _residuals(ns, ts)
    if float(np.max(np.abs(resid))) > tol_s + tol_rel * p:
        return None
    order = sorted(range(len(ts)), key=lambda i: ts[i])
    first = min(ns)
    return _Chain([idx[i] for i in order], [ns[i] - first for i in order], p,
                  float(math.sqrt(float(np.mean(resid**2)))))


def _merge_pieces(found: list[tuple[_Chain, float]], bursts: list[Burst], tol_s: float,
                  places: float, chan_hz: float) -> list[tuple[_Chain, float]]:
    """One transmitter whose schedule broke off (more than MAX_MISSES reports missed in a row, say
    while parked) and resumed is found as two pieces on one clock: join them."""
    out: list[tuple[_Chain, float]] = []
    for c, conf in sorted(found, key=lambda x: bursts[x[0].idx[0]].start):
        for k, (prev, _) in enumerate(out):
            same_place = _compatible(bursts[prev.idx[0]], bursts[c.idx[0]])
            if not same_place or abs(prev.period - c.period) > th.TIME_TOL_REL * prev.period:
                continue
            joined = _one_clock(prev.idx + c.idx, bursts, bursts[prev.idx[0]].start, prev.period, tol_s,
                                th.TIME_TOL_REL)
            if joined is None:
                continue
            out[k] = (joined, confidence(len(joined.idx), _chance(joined, bursts, tol_s, places, chan_hz)))
            break
        else:
            out.append((c, conf))
    return out


def _coverage(layouts: dict[Layout, tuple[np.ndarray, np.ndarray]], bands: tuple[Band, ...],
              interval: float) -> list[Coverage]:
    out = []
    for b in bands:
        lo = hi = None
        t_first = t_last = None
        for (low, step, n), (times, _levels) in layouts.items():
            a, z = max(low, b.low_hz), min(round(low + n * step), b.high_hz)
            if a >= z:
                continue
            lo = a if lo is None else min(lo, a)
            hi = z if hi is None else max(hi, z)
            t0, t1 = float(times.min()), float(times.max())
            t_first = t0 if t_first is None else min(t_first, t0)
            t_last = t1 if t_last is None else max(t_last, t1)
        if lo is not None and hi is not None and t_first is not None and t_last is not None:
            out.append(Coverage(b.name, lo, hi, round(t_last - t_first + interval, 1)))
    return out


def analyze(hops: Iterable[Hop] | SweepLevels, bands: tuple[Band, ...], damaged: int = 0, *,
            list_unswept: bool = True) -> Analysis:
    """Transmitters on a schedule in ``bands``, the coverage of each band, and plain-word notes
    (naming the bands not swept unless ``list_unswept`` is False: a file of unknown region)."""
    layouts = (hops if isinstance(hops, SweepLevels) else SweepLevels.of(hops)).layouts()
    all_times = np.concatenate([times for times, _ in layouts.values()]) if layouts else np.zeros(0)
    seconds = float(all_times.max() - all_times.min()) if len(all_times) else 0.0
    intervals = [_sweep_interval(times) for times, _ in layouts.values()]
    interval = max(intervals, default=0.0)
    events = [e for key, (times, d) in layouts.items() for e in _events(key, times, d, bands)]
    bursts = _bursts(events, max(th.MERGE_GAP_S, 1.5 * interval))
    kept = [b for b in bursts
            if b.high_hz - b.low_hz <= th.MAX_BURST_WIDTH_HZ and b.end - b.start <= th.MAX_BURST_S]
    tol_s = max(th.TIME_TOL_S, th.TIME_TOL_SWEEPS * interval)
    chan_hz = th.CHANNEL_TOL_BINS * max((step for _, step, _ in layouts), default=0.0)
    coverage = _coverage(layouts, bands, interval)
    places = max(1.0, sum(c.high_hz - c.low_hz for c in coverage) / (2 * th.HOP_SPAN_HZ))
    by_band: dict[str, list[Burst]] = defaultdict(list)
    for b in kept:
        name = band_name(b.center_hz, bands)
        if name is not None:
            by_band[name].append(b)
    found = []
    for name, group in by_band.items():
        max_jitter = max(th.MAX_JITTER_S, th.MAX_JITTER_SWEEPS * interval)
        outlier = max(th.OUTLIER_S, th.OUTLIER_SWEEPS * interval)
        for chain, conf in _schedules(group, tol_s, max_jitter, outlier, places, chan_hz):
            members = [group[k] for k in chain.idx]
            found.append(Transmitter(
                band=name,
                low_hz=min(m.low_hz for m in members),
                high_hz=max(m.high_hz for m in members),
                period_s=round(chain.period, 2),
                bursts=len(members),
                first_seen=members[0].start,
                last_seen=members[-1].end,
                peak_db=round(max(m.peak_db for m in members), 1),
                confidence=round(conf, 2),
                jitter_s=round(chain.jitter, 2),
                floor_db=round(float(np.median([m.floor_db for m in members])), 1),
            ))
    found.sort(key=lambda t: (-t.confidence, t.first_seen))
    result = Analysis(found, coverage, len(kept), len(bursts) - len(kept),
                      damaged, seconds)
    result.notes = notes(result, bands if list_unswept else ())
    return result


def notes(a: Analysis, bands: tuple[Band, ...]) -> list[str]:
    """Plain-word notes on what the analysis can and cannot say; the last says what a finding, or
    finding nothing, means (the GUI shows its own wording of that)."""
    out = []
    if a.damaged:
        out.append(f"{a.damaged} damaged line(s) in the recording were skipped.")
    if a.interference:
        out.append(f"{a.interference} wideband or long burst(s) were ignored as interference or calls.")
    covered = {c.band for c in a.coverage}
    missing = [b.name for b in bands if b.name not in covered]
    if missing:
        out.append("Not swept (a tracker there cannot be seen): " + ", ".join(missing) + ".")
    if a.seconds < th.MIN_SWEEP_S:
        out.append(f"Swept for {a.seconds / 60:.1f} min; a tracker reporting every "
                   f"{th.SLOWEST_PERIOD_S:.0f} s needs at least {th.MIN_SWEEP_S / 60:.0f} min "
                   f"({th.BURSTS_TO_FIND} reports) while the car moves.")
    if a.transmitters:
        out.append("A regular transmitter is consistent with a cellular tracker, but a car's own "
                   "connected-car modem or another device with a timer can look the same. Removing or "
                   "switching off a tracker may alert whoever placed it.")
    else:
        out.append("Nothing regular was found in the swept bands. That does not mean there is no "
                   "tracker: a parked tracker may sleep for hours, and one outside the swept bands or "
                   "too far from the antenna is not seen.")
    return out

