"""``python -m advseg``: the same command line as the ``advseg`` script."""

import sys

from advseg.cli import main

sys.exit(main())
