"""The aiohttp portal and the stores behind it (directory, policy list, audit chain)."""
