"""Errors a caller can fix; the GraphQL layer turns them into clear, unmasked errors."""


class InputError(Exception):
    """Bad input that names the argument at fault and what would be accepted."""

    def __init__(self, argument: str, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.argument = argument
        self.message = message
        self.code = code
