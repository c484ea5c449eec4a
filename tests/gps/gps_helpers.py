"""Reading gpsd's regression `.chk` files: gpsd's own decode of each log, per receiver cycle."""

import json

TIMED = {"RMC": 1, "GGA": 1, "GNS": 1, "GLL": 5}  # sentence -> index of its UTC time field


def tod_of(sentence):
    """Seconds into the day of an echoed position sentence, or None."""
    body = sentence.lstrip("$").split("*")[0].split(",")
    idx = TIMED.get(body[0][2:])
    if idx is None or len(body) <= idx or len(body[idx]) < 6:
        return None
    t = body[idx]
    return round(int(t[:2]) * 3600 + int(t[2:4]) * 60 + float(t[4:]), 2)


def gpsd_epochs(path):
    """{time of day: (mode, lat, lon)}: the last TPV gpsd reported after each cycle's sentences."""
    epochs = {}
    tod = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("$"):
            t = tod_of(line)
            if t is not None:
                tod = t
        elif line.startswith("{") and tod is not None:
            msg = json.loads(line)
            if msg.get("class") == "TPV":
                epochs[tod] = (msg.get("mode", 0), msg.get("lat"), msg.get("lon"))
    return epochs


def tod_of_iso(text):
    """Seconds into the day of '2009-12-09T15:25:05.500Z'."""
    hms = text[11:-1]
    return round(int(hms[:2]) * 3600 + int(hms[3:5]) * 60 + float(hms[6:]), 2)
