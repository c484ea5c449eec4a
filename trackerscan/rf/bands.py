"""The uplink bands that cellular trackers transmit in, per region.

Limits are the uplink (mobile → base station) frequency ranges of 3GPP TS 36.101 table 5.5-1 (E-UTRA
operating bands) and 3GPP TS 45.005 section 2 (GSM 850, E-GSM 900, DCS 1800, PCS 1900).  GSM 900 and
LTE band 8 share 880-915 MHz, DCS 1800 and LTE band 3 share 1710-1785 MHz, GSM 850 and LTE band 5 share
824-849 MHz, PCS 1900 and LTE band 2 share 1850-1910 MHz; band 66's uplink contains band 4's.
Which bands a region uses: operators' licences (Ofcom's and BNetzA's spectrum maps for the UK and EU,
the FCC's for the US), summarised in firmware_notes/cellular-trackers.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from trackerscan.errors import InputError


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    low_hz: int
    high_hz: int
    source: str

    def contains(self, hz: float) -> bool:
        return self.low_hz <= hz <= self.high_hz


_MHZ = 1_000_000
_36101 = "3GPP TS 36.101 table 5.5-1"
_45005 = "3GPP TS 45.005 section 2"

BANDS: dict[str, Band] = {
    b.name: b
    for b in (
        Band("LTE B28", 703 * _MHZ, 748 * _MHZ, _36101),
        Band("LTE B20", 832 * _MHZ, 862 * _MHZ, _36101),
        Band("GSM 900 / LTE B8", 880 * _MHZ, 915 * _MHZ, f"{_45005} (E-GSM); {_36101}"),
        Band("GSM 1800 / LTE B3", 1710 * _MHZ, 1785 * _MHZ, f"{_45005} (DCS 1800); {_36101}"),
        Band("LTE B71", 663 * _MHZ, 698 * _MHZ, _36101),
        Band("LTE B12", 699 * _MHZ, 716 * _MHZ, _36101),
        Band("LTE B13", 777 * _MHZ, 787 * _MHZ, _36101),
        Band("GSM 850 / LTE B5", 824 * _MHZ, 849 * _MHZ, f"{_45005} (GSM 850); {_36101}"),
        Band("LTE B4 / B66", 1710 * _MHZ, 1780 * _MHZ, f"{_36101} (band 66; band 4 is 1710-1755)"),
        Band("GSM 1900 / LTE B2", 1850 * _MHZ, 1910 * _MHZ, f"{_45005} (PCS 1900); {_36101}"),
    )
}

_EUROPE = ("LTE B28", "LTE B20", "GSM 900 / LTE B8", "GSM 1800 / LTE B3")
_AMERICAS = ("LTE B71", "LTE B12", "LTE B13", "GSM 850 / LTE B5", "LTE B4 / B66", "GSM 1900 / LTE B2")

REGIONS: dict[str, tuple[str, ...]] = {
    "uk": _EUROPE,
    "eu": _EUROPE,
    "us": _AMERICAS,
    "ca": _AMERICAS,
    "all": tuple(BANDS),
}


def region_bands(region: str) -> tuple[Band, ...]:
    """The bands of a region (``uk``, ``eu``, ``us``, ``ca``, ``all``), lowest frequency first."""
    names = REGIONS.get(region.lower())
    if names is None:
        raise InputError(f"Unknown region {region!r}: use one of {', '.join(REGIONS)}.")
    return tuple(sorted((BANDS[n] for n in names), key=lambda b: b.low_hz))


def band_name(hz: float, bands: tuple[Band, ...]) -> str | None:
    """The name of the band holding ``hz``, or None; where bands of different regions overlap (``all``),
    every one, joined by "or"."""
    names = [b.name for b in bands if b.contains(hz)]
    return " or ".join(names) if names else None


def tunable(bands: tuple[Band, ...], low_hz: int, high_hz: int) -> list[tuple[Band, int, int]]:
    """The parts of ``bands`` a device tuning ``low_hz``-``high_hz`` can sweep: (band, low, high)."""
    out = []
    for b in bands:
        lo, hi = max(b.low_hz, low_hz), min(b.high_hz, high_hz)
        if lo < hi:
            out.append((b, lo, hi))
    return out
