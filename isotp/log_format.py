"""The JSON lines formatter of the security event log (configured in settings.LOGGING, so it
imports nothing from the apps)."""

import json
import logging
from datetime import UTC, datetime


class JsonLinesFormatter(logging.Formatter):
    """A log record as one line of JSON: a timestamp (UTC, ISO 8601), the level, and the
    event's fields (or the message, for a record that is not a security event)."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
        }
        event = getattr(record, "security_event", None)
        if event is not None:
            payload.update(event)
        else:
            payload["message"] = record.getMessage()
        return json.dumps(payload, default=str, sort_keys=False)
