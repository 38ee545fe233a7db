"""The one base class of errors a user can fix: a bad flag, path, recipe, model or submission.

Every module's own error class derives from MaskftError, so `maskft-bench` catches this one
class, prints the message as one line and exits 2; any other exception is a bug and keeps
its traceback. Each class also keeps the built-in base it had (ValueError, RuntimeError), so
callers that catch those still do.
"""


class MaskftError(Exception):
    """A problem the user can fix; its message says what was wrong and what is accepted."""
