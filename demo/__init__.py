"""Demo data for local runs only: its command refuses to run with DEBUG off."""
