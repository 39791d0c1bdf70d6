"""Errors shared by the importers."""


class ImportFileError(ValueError):
    """An import file that cannot be loaded; nothing was written."""
