"""What the configuration's reader (:mod:`vaulttool.model.config`) and its validated model
(:mod:`vaulttool.model.config_model`) both name, so that neither imports the other back."""

DEFAULT_MOC_FIELDS = ("links", "up", "moc", "mocs")


class ConfigError(Exception):
    """A configuration file that cannot be used (exit code 2)."""
