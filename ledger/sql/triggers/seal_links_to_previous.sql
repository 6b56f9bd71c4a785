IF NEW.seq = 1 THEN
    IF NEW.prev_hash <> '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea THEN
        RAISE EXCEPTION 'first seal must follow the zero hash'
            USING ERRCODE = 'TL005';
    END IF;
ELSIF NOT EXISTS (SELECT 1 FROM ledger_seal
                   WHERE seq = NEW.seq - 1 AND hash = NEW.prev_hash) THEN
    RAISE EXCEPTION 'seal % does not link to seal %', NEW.seq, NEW.seq - 1
        USING ERRCODE = 'TL005';
END IF;
RETURN NEW;
