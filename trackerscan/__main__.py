import sys

from trackerscan.cli import main

sys.exit(main())
