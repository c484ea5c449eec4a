"""trackerscan: find Bluetooth location trackers that travel with you.

The core package never imports Qt; the GUI lives in ``trackerscan_gui``.
"""

import os

__version__ = "0.1.0"

# numpy's OpenBLAS starts a thread per core when numpy is imported, and they spin a while waiting for
# work that never comes: trackerscan does no large linear algebra.
# That was 60 ms of CPU time per process (`analyze` of the busy city: 1.67 s of CPU for 1.57 s of wall
# time; 1.53 s with one thread), taken from the scan on a Pi or from other work.  One thread, unless
# the user set it (it counts only when numpy is loaded after this).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
