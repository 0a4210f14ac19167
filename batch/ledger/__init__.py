"""What was delivered, in SQLite: claimed before a message goes, recorded after, never sent twice.

Owns: the ledger file, its schema, claims, records and reads (`store`) and the idle run's wake-up note
(`wake`), and how every file holding messages is made readable by you alone (`private`). Uses `model`
(the keys) and `errors`; no module elsewhere writes SQL.
"""
