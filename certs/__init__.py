"""The organisation's certificate authority: create, load, export; writes what mitmproxy reads."""
