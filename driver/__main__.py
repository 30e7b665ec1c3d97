"""`python -m rufc` is the same as the `rufc` command."""
import sys

from rufc.cli import main

sys.exit(main())
