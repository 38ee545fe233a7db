"""Problems a user can fix (a bad option, a rejected submission); the CLI exits 2 with the message."""

from ..errors import MaskftError


class LeaderboardError(MaskftError, ValueError):
    pass
