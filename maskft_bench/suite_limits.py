"""Suite options the leaderboard would refuse, refused before a suite is generated.

The leaderboard regenerates a submission's suite from its options, within the caps of
leaderboard/limits.py (the one source of those numbers). A suite outside them can be
generated, trained on and scored, but never ranked; so `generate` and `run` refuse such options
up front unless told the run is not for the leaderboard (`--off-leaderboard`).
"""

from __future__ import annotations

from .errors import MaskftError
from .leaderboard.limits import SUITE_OPTION_MAX
from .settings import flag
from .suite.generate import SuiteOptions, check_options

OFF_LEADERBOARD = "--off-leaderboard"


class SuiteLimitError(MaskftError, ValueError):
    pass


def check_suite_options(options: SuiteOptions, for_leaderboard: bool = True) -> None:
    """The generator's own limits, then (for a leaderboard run) the leaderboard's."""
    check_options(options)
    if not for_leaderboard:
        return
    for name, cap in SUITE_OPTION_MAX.items():
        value = getattr(options, name)
        if not 0 <= value <= cap:
            raise SuiteLimitError(
                f"{flag(name)} {value} is outside the leaderboard's limits 0..{cap}: such a suite "
                f"cannot be ranked; pass {OFF_LEADERBOARD} to generate it anyway")
