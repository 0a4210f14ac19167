"""The test suite (a package, so that conftest can load tests.servers as a plugin under any runner)."""
