"""A new row's columns and parameters without building a model instance.

Live Events intake writes two rows per event at hundreds of events a second; on
PostgreSQL it sends them as one statement (see intake._persist_new_attempt). The
values are prepared exactly as the ORM prepares them for an INSERT: given values,
else the field's default, auto_now/auto_now_add as now, each through the field's
get_db_prep_save for this connection.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone


@cache
def _insert_fields(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    )


@cache
def _names(model: type[models.Model]) -> frozenset[str]:
    return frozenset(n for field in _insert_fields(model) for n in (field.name, field.attname))


def row_columns_params(
    model: type[models.Model],
    values: dict[str, Any],
    connection: BaseDatabaseWrapper,
    *,
    leave_out: tuple[str, ...] = (),
) -> tuple[list[str], list[Any]]:
    """Quoted column names and prepared parameters for a new `model` row.

    `values` is keyed by field name or attname (``installation`` or
    ``installation_id``); fields named in `leave_out` are left to the caller's SQL.
    Pass a real connection (``connections[alias]``), not the ``connection`` proxy,
    whose every attribute lookup goes through a context-local.
    """
    unknown = values.keys() - _names(model)
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    now = timezone.now()
    quote = connection.ops.quote_name
    columns: list[str] = []
    params: list[Any] = []
    for field in _insert_fields(model):
        if field.name in leave_out:
            continue
        if field.attname in values:
            value = values[field.attname]
        elif field.name in values:
            value = values[field.name]
            if isinstance(value, models.Model):
                value = value.pk
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        columns.append(quote(field.column))
        params.append(field.get_db_prep_save(value, connection))
    return columns, params
