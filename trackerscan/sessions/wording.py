"""Names people read: tracker kinds as their makers name them."""

from __future__ import annotations

from trackerscan.model import Kind

KIND_NAMES: dict[Kind, str] = {
    Kind.AIRTAG: "AirTag",
    Kind.FINDMY_ACCESSORY: "Find My accessory",
    Kind.AIRPODS: "AirPods",
    Kind.APPLE_DEVICE: "Apple device",
    Kind.DULT: "tracker (DULT)",
    Kind.GOOGLE_FMDN: "Google Find My Device tag",
    Kind.SMARTTAG: "Samsung SmartTag",
    Kind.SAMSUNG_DEVICE: "Samsung device",
    Kind.TILE: "Tile",
    Kind.CHIPOLO: "Chipolo",
    Kind.PEBBLEBEE: "Pebblebee",
}


def kind_name(kind: Kind | None) -> str:
    return KIND_NAMES.get(kind, kind.value) if kind is not None else "device"
