"""The auditor pack: the books of a period as PDF and CSV, in the auditor's language."""
