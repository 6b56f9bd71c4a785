"""A status machine checked by PostgreSQL too: the PL/pgSQL that refuses a move its table does not list."""

from collections.abc import Mapping, Set


def transition_check_sql(transitions: Mapping[str, Set[str]], *, noun: str, sqlstate: str) -> str:
    """PL/pgSQL statements refusing any change of `status` that `transitions` does not list.

    For a BEFORE UPDATE trigger whose function declares `allowed boolean`; the
    caller adds what else it checks and `RETURN NEW`. `noun` names the row in the
    error message ("grant request"); `sqlstate` is the error's code.
    """
    branches = []
    for source, targets in transitions.items():
        listed = ", ".join(f"'{target}'" for target in sorted(targets))
        test = f"NEW.status IN ({listed})" if targets else "false"
        branches.append(f"WHEN '{source}' THEN allowed := {test};")
    return (
        "CASE OLD.status " + " ".join(branches) + " ELSE allowed := false; END CASE; "
        f"IF NOT allowed THEN RAISE EXCEPTION '{noun} status % -> % is not allowed', "
        f"OLD.status, NEW.status USING ERRCODE = '{sqlstate}'; END IF; "
    )
