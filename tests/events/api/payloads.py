"""Request bodies shared by the API tests."""

from __future__ import annotations


def event_payload(branch_obj, /, **overrides):
    data = {
        "branch": branch_obj.slug,
        "title": "Fortælletime",
        "start": "2027-03-02T10:00:00",
        "end": "2027-03-02T11:00:00",
        "tracks": ["fordybelse"],
        "status": "published",
    }
    data.update(overrides)
    return data
