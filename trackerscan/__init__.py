"""trackerscan: find Bluetooth location trackers that travel with you.

The core package never imports Qt; the GUI lives in ``trackerscan_gui``.
"""

__version__ = "0.1.0"
