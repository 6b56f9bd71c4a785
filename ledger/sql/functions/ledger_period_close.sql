-- Close a period for good. The SHARE lock on entries waits for every posting in
-- flight and holds new ones until this commits, so no entry can land in the
-- period after it closes; closed_at is read after the lock, so every entry
-- dated in the period was created before it (verify_ledger relies on that).
CREATE OR REPLACE FUNCTION ledger_period_close(p_start date, p_end date, p_closed_by bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
DECLARE
    v_id bigint;
BEGIN
    LOCK TABLE ledger_entry IN SHARE MODE;
    INSERT INTO ledger_closedperiod (start_date, end_date, closed_at, closed_by_id)
    VALUES (p_start, p_end, clock_timestamp(), p_closed_by)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$fn$;
