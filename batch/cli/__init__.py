"""The edge: the only package that reads the clock, the environment and the terminal, and sets exit codes.

Owns: the parser and commands (`main`) and the terminal's streams and tables (`terminal`). Uses any
floor below.
"""
