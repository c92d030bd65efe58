"""Canvas global ids: ``shard_id * 10**13 + local_id``.

Live Events carry global ids as strings; the REST API and Canvas URLs use local
ids on the account's own shard (and accept global ids everywhere).
https://github.com/instructure/switchman (Switchman::Shard::IDS_PER_SHARD)
"""

IDS_PER_SHARD = 10**13


def canvas_id_parse(value: object) -> int:
    """An id from an event or the API as an int; ValueError when it is not one."""
    if isinstance(value, bool):
        raise ValueError(f"not a Canvas id: {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ValueError(f"not a Canvas id: {value!r}")
    if number <= 0:
        raise ValueError(f"not a Canvas id: {value!r}")
    return number


def canvas_id_shard(value: object) -> int:
    return canvas_id_parse(value) // IDS_PER_SHARD


def canvas_id_local(value: object) -> int:
    """The local id of a global or local id (a local id is returned unchanged)."""
    return canvas_id_parse(value) % IDS_PER_SHARD


def canvas_id_relative(value: object, *, shard: int) -> str:
    """The id as the API should see it from `shard`: local when on that shard, else global."""
    number = canvas_id_parse(value)
    return str(number % IDS_PER_SHARD if number // IDS_PER_SHARD in (0, shard) else number)
