"""`python -m generator.cli`: the same as the `blueprint` command."""

from generator.cli import main

raise SystemExit(main())
