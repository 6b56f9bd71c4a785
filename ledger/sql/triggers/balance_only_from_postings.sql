IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'balances change only by posting entries'
        USING ERRCODE = 'TL007';
END IF;
RETURN NULL;
