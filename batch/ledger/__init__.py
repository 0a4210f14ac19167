"""What was delivered, in SQLite: claimed before a message goes, recorded after, never sent twice.

Owns: the file's shape and versions (`schema`), read-only reads (`reads`), claims, records and the
lock (`store`), the zone each interview was first seen in, noted by the commands that only read
(`zonebook`), the idle run's wake-up note (`wake`), files readable by you alone (`private`), a
ledger's move into a workspace (`move`) and which ledger records which data (`registry`). Uses
`model` (the keys) and `errors`; no module elsewhere writes SQL.
"""
