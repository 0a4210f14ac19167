"""What a person reads about their follow-ups: the days ahead, the preview page, the calendar, doctor.

Owns: `agenda` (plan's time words), `window` and `preview` (the dry run's page of what is due and
what comes next), `calendar` (iCalendar), `doctor` (the pre-flight). Reads the floors below; writes
no ledger row and sends nothing (doctor only logs in).
"""
