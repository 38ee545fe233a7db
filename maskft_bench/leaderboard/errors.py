"""Problems a user can fix (a bad option, a rejected submission); the CLI exits 2 with the message."""


class LeaderboardError(ValueError):
    pass
