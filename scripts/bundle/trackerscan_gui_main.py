"""Entry point of the bundled `trackerscan-gui` executable (PyInstaller runs this file)."""

import sys

from trackerscan_gui.app import main

if __name__ == "__main__":
    sys.exit(main())
