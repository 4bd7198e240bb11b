"""``python -m advseg``: the same command line as the ``advseg`` script."""

import sys

from advseg.cli.main import main

sys.exit(main())
