"""Reading the change history that django-pghistory's triggers write."""

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from pghistory.models import Events

from isotp.models import Staff

# Columns that change on every save and say nothing to a reader.
_HIDDEN_FIELDS = {"id", "updated_at", "created_at"}


@dataclass
class Change:
    field: str
    old: object
    new: object


@dataclass
class HistoryEntry:
    at: datetime
    what: str
    action: str
    by: str
    changes: list[Change] = field(default_factory=list)

    @property
    def local_time(self):
        return timezone.localtime(self.at).time()


def _label(model: type[models.Model] | None, name: str) -> str:
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name


def _shown(model: type[models.Model] | None, name: str, value: object) -> object:
    """A stored value as a reader knows it: a choice's label, never its code."""
    if model is None or value in (None, ""):
        return value
    try:
        choices = model._meta.get_field(name).flatchoices
    except FieldDoesNotExist:
        return value
    labels = {str(code): label for code, label in choices or ()}
    if isinstance(value, list):
        return ", ".join(str(labels.get(str(v), v)) for v in value)
    return labels.get(str(value), value)


def history_for(obj: models.Model, limit: int = 200) -> list[HistoryEntry]:
    """Every change to obj and to the records that point at it, newest first (two queries)."""
    events = list(Events.objects.references(obj).order_by("-pgh_created_at", "-pgh_id")[:limit])
    user_ids = {
        (e.pgh_context or {}).get("user") for e in events if (e.pgh_context or {}).get("user")
    }
    names = {s.pk: str(s) for s in Staff.objects.filter(pk__in=user_ids)} if user_ids else {}
    entries = []
    for event in events:
        model = apps.get_model(event.pgh_obj_model) if event.pgh_obj_model else None
        context = event.pgh_context or {}
        user_id = context.get("user")
        by = names.get(user_id, "system") if user_id else "system"
        changes = [
            Change(_label(model, name), _shown(model, name, old), _shown(model, name, new))
            for name, (old, new) in sorted((event.pgh_diff or {}).items())
            if name not in _HIDDEN_FIELDS
        ]
        action = "Created" if event.pgh_label == "insert" else "Changed"
        if action == "Changed" and not changes:
            continue
        entries.append(
            HistoryEntry(
                at=event.pgh_created_at,
                what=str(model._meta.verbose_name).capitalize() if model else event.pgh_obj_model,
                action=action,
                by=by,
                changes=changes,
            )
        )
    return entries
