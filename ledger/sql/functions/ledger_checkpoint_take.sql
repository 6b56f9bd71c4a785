-- Move the balance checkpoint one step (the row triggers decide how far), unless
-- nothing was posted since the last one. The runtime role has no other way to
-- write checkpoints or balance rows: this runs as the migration role.
CREATE OR REPLACE FUNCTION ledger_checkpoint_take() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
DECLARE
    v_last record;
    v_newest bigint;
    v_horizon bigint;
BEGIN
    -- Before the INSERT takes its own lock on the table: two checkpoints then
    -- queue here instead of deadlocking in the row trigger's LOCK.
    LOCK TABLE ledger_checkpoint IN SHARE ROW EXCLUSIVE MODE;
    SELECT c.posting_horizon, c.candidate INTO v_last
      FROM ledger_checkpoint c ORDER BY c.id DESC LIMIT 1;
    v_newest := coalesce(pg_sequence_last_value('ledger_posting_id_seq'), 0);
    IF v_last.posting_horizon IS NOT NULL
       AND v_last.posting_horizon = v_last.candidate AND v_last.candidate = v_newest THEN
        RETURN v_last.posting_horizon;
    END IF;
    INSERT INTO ledger_checkpoint DEFAULT VALUES RETURNING posting_horizon INTO v_horizon;
    RETURN v_horizon;
END
$fn$;
