"""The guide's MkDocs hook: generated parts made at build time by the job's own code.

Owns: the hook and its markers (`hooks`), the examples (`examples`), the reference tables
(`reference`), the timeline and the other pictures (`timeline`, `pictures`), Get started's clone
command and provider links (`start`) and Markdown building blocks (`markdown`). Uses `letters`,
`etiquette`, `data`, `model` and the numbers of `ledger` and `mail.pace`; a contract forbids it the
transport and the mailbox, so building the guide can never send.
"""
