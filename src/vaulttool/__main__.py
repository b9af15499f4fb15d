"""``python -m vaulttool``."""

from vaulttool.cli import main

raise SystemExit(main())
