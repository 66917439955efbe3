"""The core's errors that a person must act on; each message is one line that says what to do.

Kept apart from the modules that raise them so that adapters can catch them without importing
the model or the index libraries.
"""


class SettingError(RuntimeError):
    """A setting that cannot work here: the message names it and what to change."""


class IndexUnavailable(RuntimeError):
    """No index generation can be used (missing, damaged, another model): a writer rebuilds it."""


class IndexOutdated(IndexUnavailable):
    """The index was written by an older vraagbaak: nothing is wrong, but it must be rebuilt."""


class WriterBusy(RuntimeError):
    """Another process holds the writer's lock and this one was told not to wait."""


class QuestionError(ValueError):
    """A question that cannot be searched; the message is meant for the person who asked."""
