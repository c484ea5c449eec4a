"""Cellular GPS trackers by their uplink bursts: listening only, power levels only, nothing decoded.

``bands`` holds the uplink band table, ``sweep_csv`` reads and writes the rtl_power/hackrf_sweep CSV
format, ``detect`` finds transmitters that repeat with a stable period, ``sources`` opens devices and
recordings from short strings (``tinysa:/dev/ttyACM0``, ``rtlsdr[:INDEX]``, ``hackrf``, ``replay:FILE``).
"""
