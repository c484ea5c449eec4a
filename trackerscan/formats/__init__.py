"""Readers (and writers where needed) of other people's files: NMEA, GPX, btsnoop."""
