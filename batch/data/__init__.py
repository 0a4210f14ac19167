"""The user's data: YAML files read, every value checked with its place, loaded into `model` records.

Owns: finding and reading the files (`source`), the table of keys (`spec`), single values (`fields`),
whole records (`checks`), the places of your secrets no file may be (`secrets`), the load (`load`),
the editor's JSON Schema (`schema`) and init's starter file (`starter`). Uses `model` and `errors`;
knows nothing of time rules, letters or mail.
"""
