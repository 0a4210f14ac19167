"""The guide's MkDocs hook: generated parts made at build time by the job's own code.

Owns: the hook (`hooks`). Uses `letters`, `etiquette`, `data`, `model` and the numbers of `ledger`
and `mail.pace`; a contract forbids it the transport, so building the guide can never send.
"""
