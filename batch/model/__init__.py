"""The domain's records, below everything that reads or plans them.

Owns: the interviews file's values (`interview`), the etiquette's numbers (`policy`), who a follow-up
is for and its ledger key (`keys`), the same interview under another id (`twins`), language codes
(`languages`) and which holiday calendar a country
names (`calendars`). Pure values and functions of them; uses only `batch.errors`.
"""
