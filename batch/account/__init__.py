"""The user's mail account: SMTP and IMAP settings, and the words both servers share.

Owns: settings and secrets files, read from the environment mapping the CLI passes in (`settings`),
OAuth2 token commands (`token`), whose refusal a server's reply is (`refusals`), login forms and
replies cleaned and explained (`wire`). Below both `mail` (sending) and `inbox` (reading), so neither
knows the other's protocol. Uses only `batch.errors`; opens no connection.
"""
