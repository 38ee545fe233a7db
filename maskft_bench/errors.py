"""The one base class of errors a user can fix: a bad flag, path, recipe, model or submission.

Every module's own error class derives from MaskftError, so `maskft-bench` catches this one
class, prints the message as one line and exits 2; any other exception is a bug and keeps
its traceback. Each class also keeps the built-in base it had (ValueError, RuntimeError), so
callers that catch those still do.
"""

SHOWN_CHARS = 80  # a value quoted in a message: enough to recognise, short enough for one line


class MaskftError(Exception):
    """A problem the user can fix; its message says what was wrong and what is accepted."""


def brief(value: object, limit: int = SHOWN_CHARS) -> str:
    """`value` as a message quotes it (repr, or the path as written), cut to `limit` characters,
    so that a pasted megabyte or a newline in a value cannot blow a one-line error apart."""
    text = str(value) if hasattr(value, "__fspath__") else repr(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else f"{text[:limit - 3]}... ({len(text)} characters)"
