"""The two ways getting course data can fail."""


class DataUnavailableError(RuntimeError):
    """A data set or file cannot be had here; the message says how to get it."""


class ChecksumError(RuntimeError):
    """A file's content is not what the registry expects."""
