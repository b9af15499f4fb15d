"""Files: the stamps that tell a file is unchanged, temporary files, and the only code that writes into a vault."""
