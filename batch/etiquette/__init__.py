"""The etiquette as rules: when each follow-up is due, in whose working hours, and when it lapses.

Owns: working time and public holidays (`workdays`), your zone vs the recipients' and whose holidays
apply (`places`), and the plan of every follow-up at a moment (`schedule`). Pure: `now` is an
argument. Uses `data`, `model` and `errors`; no ledger, letters or mail.
"""
