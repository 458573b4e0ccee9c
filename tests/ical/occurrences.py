"""Reads an iCalendar feed on standard input with icalendar and lists, with
recurring-ical-events, every occurrence between two instants (argv[1], argv[2], RFC 3339):
one JSON object per occurrence, in UTC, sorted. Written independently of the server: the
calendar feed test compares what it finds with what the API lists."""

import json
import sys
from datetime import datetime, timezone

import icalendar
import recurring_ical_events


def utc(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise SystemExit(f"floating time in the feed: {value}")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise SystemExit(f"a date where a date-time was expected: {value}")


def main():
    text = sys.stdin.buffer.read()
    calendar = icalendar.Calendar.from_ical(text)
    start = datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00"))
    end = datetime.fromisoformat(sys.argv[2].replace("Z", "+00:00"))
    zones = sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE"))
    found = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        recurrence_id = event.get("RECURRENCE-ID")
        found.append(
            {
                "uid": str(event["UID"]),
                "start": utc(event.decoded("DTSTART")),
                "end": utc(event.decoded("DTEND")),
                "summary": str(event.get("SUMMARY", "")),
                "status": str(event.get("STATUS", "")),
                "sequence": int(event.get("SEQUENCE", 0)),
                "recurrenceId": utc(recurrence_id.dt) if recurrence_id is not None else None,
                "location": str(event.get("LOCATION", "")),
                "url": str(event.get("URL", "")),
            }
        )
    found.sort(key=lambda o: (o["start"], o["uid"]))
    json.dump({"timezones": zones, "occurrences": found}, sys.stdout)


if __name__ == "__main__":
    main()
