"""Problems the user can fix (bad model path, unknown task); the CLI exits 2 with the message."""

from ..errors import MaskftError


class ScoreError(MaskftError, ValueError):
    pass
