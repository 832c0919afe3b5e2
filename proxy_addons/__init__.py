"""mitmproxy addons of S'MEDI, one per file; `chain.py` holds their order."""
