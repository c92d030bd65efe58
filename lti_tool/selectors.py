"""Reads other apps need from the LTI side."""


def frame_ancestor_origins() -> list[str]:
    """Origins of registered LMS platforms, allowed to frame Smart Notes pages."""
    # TODO(#5): derive from platform registrations once they exist.
    return []
