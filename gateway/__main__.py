"""``python -m gateway`` runs the command line (same as the ``gateway`` script)."""

from gateway.cli import main

raise SystemExit(main())
