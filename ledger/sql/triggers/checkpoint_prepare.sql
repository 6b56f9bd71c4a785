-- One checkpoint at a time, each continuing the one before.
LOCK TABLE ledger_checkpoint IN SHARE ROW EXCLUSIVE MODE;
SELECT * INTO prev FROM ledger_checkpoint ORDER BY id DESC LIMIT 1;
NEW.previous_horizon := coalesce(prev.posting_horizon, 0);
NEW.posting_horizon := NEW.previous_horizon;
-- The previous checkpoint's candidate becomes the horizon once every
-- transaction that could still add a posting up to it has ended: a posting
-- transaction has its id before it draws posting ids (it writes its entry
-- first), so it is older than the candidate's transaction id.
IF prev.candidate > NEW.previous_horizon
   AND pg_snapshot_xmin(pg_current_snapshot())::text::bigint > prev.candidate_txid THEN
    NEW.posting_horizon := prev.candidate;
END IF;
NEW.candidate := greatest(coalesce(pg_sequence_last_value('ledger_posting_id_seq'), 0), NEW.posting_horizon);
NEW.candidate_txid := pg_current_xact_id()::text::bigint;
NEW.created_at := now();
RETURN NEW;
