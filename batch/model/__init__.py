"""The domain's records, below everything that reads or plans them.

Owns: the interviews file's values (`interview`), the etiquette's numbers (`policy`), who a follow-up
is for and its ledger key (`keys`), one interview under two ids (`twins`), later rounds (`rounds`),
language codes and template folders (`languages`) and which holiday calendar a country names
(`calendars`). Pure values and functions of them; uses only `batch.errors`.
"""
