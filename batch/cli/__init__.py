"""The edge: the only package that reads the clock, the environment and the terminal, and sets exit codes.

Owns: the parser and dispatch (`main`), what commands share (`common`), the command families
(`planning`, `sending`, `upkeep`, `workspace` with `workspace_files`), where the ledger is
(`ledgerplace`) and that it is the only one for its data (`ledgers`), the run's deadline (`alarm`)
and the terminal's streams and tables (`terminal`).
Uses any floor below.
"""
