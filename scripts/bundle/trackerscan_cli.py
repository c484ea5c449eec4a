"""Entry point of the bundled `trackerscan` executable (PyInstaller runs this file)."""

import sys

from trackerscan.cli import main

if __name__ == "__main__":
    sys.exit(main())
