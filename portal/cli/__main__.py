"""`python -m portal.cli`: the same as the `medreg` script (the demo starts its children this way)."""
import sys

from portal.cli import main

sys.exit(main())
