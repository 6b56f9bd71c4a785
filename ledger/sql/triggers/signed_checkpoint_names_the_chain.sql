IF NOT EXISTS (SELECT 1 FROM ledger_seal WHERE seq = NEW.seq AND hash = NEW.head_hash) THEN
    RAISE EXCEPTION 'signed checkpoint % names no sealed head', NEW.seq
        USING ERRCODE = 'TL005';
END IF;
IF EXISTS (SELECT 1 FROM ledger_signedcheckpoint WHERE seq >= NEW.seq) THEN
    RAISE EXCEPTION 'signed checkpoint % does not move past the last one', NEW.seq
        USING ERRCODE = 'TL005';
END IF;
RETURN NEW;
