"""`python -m hypotrack` runs the command line."""

from hypotrack.cli import main

raise SystemExit(main())
