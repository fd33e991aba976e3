"""Description of a document: its issuer, kind, holder and date."""
