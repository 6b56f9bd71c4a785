-- Move the sealer's horizon to p_xmin, the xmin of the snapshot the sealer read
-- its batch in. Refused if that would step over a transaction still running or
-- over an entry left unsealed, so no session can hide entries from the sealer.
CREATE OR REPLACE FUNCTION ledger_sealer_advance(p_xmin bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
DECLARE
    v_horizon bigint;
BEGIN
    INSERT INTO ledger_sealerstate (id, txid_horizon) VALUES (1, 0) ON CONFLICT DO NOTHING;
    SELECT s.txid_horizon INTO v_horizon FROM ledger_sealerstate s WHERE s.id = 1 FOR UPDATE;
    IF p_xmin <= v_horizon THEN
        RETURN;
    END IF;
    IF p_xmin > pg_snapshot_xmin(pg_current_snapshot())::text::bigint THEN
        RAISE EXCEPTION 'the sealer horizon cannot pass a running transaction' USING ERRCODE = 'TL005';
    END IF;
    IF EXISTS (SELECT 1 FROM ledger_entry e
                WHERE e.txid >= v_horizon AND e.txid < p_xmin
                  AND NOT EXISTS (SELECT 1 FROM ledger_seal s WHERE s.entry_id = e.id)) THEN
        RAISE EXCEPTION 'entries below the new sealer horizon are not sealed' USING ERRCODE = 'TL005';
    END IF;
    UPDATE ledger_sealerstate SET txid_horizon = p_xmin WHERE id = 1;
END
$fn$;
