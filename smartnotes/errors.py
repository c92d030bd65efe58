"""Errors shared by every app: what a user can fix, and the words for what they cannot."""


class ApplicationError(Exception):
    """Something the user can fix; views show the message."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def unexpected_error_message(exc: BaseException) -> str:
    """Plain words for an exception nobody expected, as the instructor reads them."""
    detail = " ".join(str(exc).split())[:300]
    name = type(exc).__name__
    return (
        "Smart Notes stopped on an unexpected error while checking this submission "
        f"({name}{': ' + detail if detail else ''}). Retry it; if it fails again, send this "
        "message to your Smart Notes administrator."
    )


def attempts_exhausted_message(attempts: int) -> str:
    return (
        f"Smart Notes gave up after {attempts} attempts: the worker stopped each time before "
        "it finished (it may have run out of memory or been restarted). Retry it; if it fails "
        "again, send this message to your Smart Notes administrator."
    )
