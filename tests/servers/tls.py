"""The test servers' certificates: a CA and a leaf for 127.0.0.1/localhost, made once per session."""

from __future__ import annotations

import functools
import ssl

import trustme

from .net import HOST


@functools.cache
def authority(name: str) -> tuple[trustme.CA, trustme.LeafCert]:
    """A CA and a server certificate for 127.0.0.1/localhost, made once per test session."""
    ca = trustme.CA(organization_name=f"Follow Up tests ({name})")
    return ca, ca.issue_cert(HOST, "localhost")


def server_context(name: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority(name)[1].configure_cert(ctx)
    return ctx
