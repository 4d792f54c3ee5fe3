-- +goose Up
-- One round trip per append, and many appends in one (group commit):
-- events_append takes a batch of appends, each to one stream with its own
-- expected version, and in one statement (one transaction when called
-- outside one) locks their streams, reads their versions, inserts the
-- events of the appends whose expected version holds and notifies
-- subscribers. An append whose version is wrong does not stop the others:
-- its events are left out, and the caller reports the conflict.
--
-- Appends to one stream are serialised by a transaction-scoped advisory lock
-- (class 7423, the stream's hashtext; two streams sharing a hash only wait
-- for each other), taken before the version is read: the read, a statement
-- of its own, sees every append that committed before the lock was granted,
-- so writers going through this function never race on (stream, version).
-- The unique constraint stays the last word for anything else.
--
-- p_wait false (a batch): a stream whose lock another transaction holds is
-- not waited for; that append comes back busy and the caller retries it
-- alone with p_wait true. One slow stream never holds up a batch, and a
-- batch never waits while holding locks (no deadlock).
--
-- A batch holds at most one append per stream (the caller sends a second
-- one in the next batch), so each append's check stands on its own.
-- Arguments, one element per append: p_streams, p_expected (-1 any, 0 no
-- stream, n the version the stream must be at), p_recorded; one element per
-- event, appends in order: p_app (its append's index), p_off (its place in
-- its append, from 1), p_ids, p_types, p_data and p_meta (JSON text).
-- Returns got (per append: its lock was taken), current (per append: the
-- stream's version before it), seqs (the sequence numbers of the inserted
-- events, in order) and txid (the transaction's id, when any was inserted).
-- The caller tells from got, current and p_expected which appends landed.
-- +goose StatementBegin
CREATE FUNCTION events_append(
    p_streams text[], p_expected bigint[], p_recorded timestamptz[],
    p_app int[], p_off int[], p_ids uuid[], p_types text[], p_data text[], p_meta text[],
    p_wait boolean,
    OUT got boolean[], OUT current bigint[], OUT seqs bigint[], OUT txid text)
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF p_wait THEN
        PERFORM pg_advisory_xact_lock(7423, h) FROM (SELECT DISTINCT hashtext(s) AS h FROM unnest(p_streams) s ORDER BY 1) l;
        got := array_fill(true, ARRAY[cardinality(p_streams)]);
    ELSE
        SELECT array_agg(pg_try_advisory_xact_lock(7423, hashtext(s)) ORDER BY o) INTO got
        FROM unnest(p_streams) WITH ORDINALITY u(s, o);
    END IF;
    -- The versions, read after the locks (a statement of its own: a new snapshot).
    SELECT array_agg(CASE WHEN got[o] THEN coalesce((SELECT max(e.version) FROM events e WHERE e.stream = s), 0) END ORDER BY o) INTO current
    FROM unnest(p_streams) WITH ORDINALITY u(s, o);
    -- The events of the appends that pass, in batch order: their sequence
    -- numbers ascend in that order.
    WITH ins AS (
        INSERT INTO events (id, stream, version, type, data, metadata, recorded_at)
        SELECT u.id, p_streams[u.app], current[u.app] + u.off, u.type, u.data::jsonb, u.meta::jsonb, p_recorded[u.app]
        FROM unnest(p_app, p_off, p_ids, p_types, p_data, p_meta) WITH ORDINALITY AS u(app, off, id, type, data, meta, ord)
        WHERE got[u.app] AND p_expected[u.app] IN (-1, current[u.app])
        ORDER BY u.ord
        RETURNING events.seq, events.txid
    )
    SELECT array_agg(ins.seq ORDER BY ins.seq), max(ins.txid)::text INTO seqs, txid FROM ins;
    IF txid IS NOT NULL THEN
        -- Delivered when the transaction commits, dropped if it rolls back.
        PERFORM pg_notify('portal_events', '');
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION events_append(text[], bigint[], timestamptz[], int[], int[], uuid[], text[], text[], text[], boolean);
