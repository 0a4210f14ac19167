"""Delivering what is due: the send loop, SMTP, and the composer that works ahead of it.

Owns: the run (`deliver`), its outcomes (`outcome`), the chunk size (`pace`), the SMTP conversation
(`connection`, `transport`) and the composing child (`ahead`). Uses every floor below it (`letters`,
`inbox`, `ledger`, `etiquette`, `data`, `account`, `model`).
"""
