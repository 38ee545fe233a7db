"""Errors a user can fix by changing their request; the CLI turns them into exit code 2."""

from ..errors import MaskftError


class SuiteError(MaskftError, ValueError):
    pass
