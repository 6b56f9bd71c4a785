"""Double-entry ledger: accounts, funds, journal entries, postings, FX, periods, hash chain."""
