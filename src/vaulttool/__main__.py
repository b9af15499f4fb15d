"""``python -m vaulttool``."""

from vaulttool.commands.cli import run

run()
