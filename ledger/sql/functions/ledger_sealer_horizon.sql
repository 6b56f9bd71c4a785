-- The sealer's horizon, locked until the caller's transaction ends: every entry
-- of a transaction older than it is sealed.
CREATE OR REPLACE FUNCTION ledger_sealer_horizon() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $fn$
DECLARE
    v_horizon bigint;
BEGIN
    INSERT INTO ledger_sealerstate (id, txid_horizon) VALUES (1, 0) ON CONFLICT DO NOTHING;
    SELECT s.txid_horizon INTO v_horizon FROM ledger_sealerstate s WHERE s.id = 1 FOR UPDATE;
    RETURN v_horizon;
END
$fn$;
