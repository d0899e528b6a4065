"""``python -m legacy_app``: the ``legacy-app`` command."""

from legacy_app.cli import main

raise SystemExit(main())
