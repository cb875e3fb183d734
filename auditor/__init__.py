"""Pain-pump documentation auditor."""
