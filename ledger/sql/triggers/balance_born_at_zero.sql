IF NEW.balance <> 0 OR NEW.floor IS DISTINCT FROM
        (SELECT a.floor FROM ledger_account a WHERE a.id = NEW.account_id) THEN
    RAISE EXCEPTION 'a balance row starts at zero with its account''s floor'
        USING ERRCODE = 'TL007';
END IF;
RETURN NULL;
