-- A live trade belongs to the time it was included, not to its rows' last change: the P&L and the
-- risk windows dated live trades by executions.updated_at (or the intent's final_at), which every
-- sync rewrites, finality ORION_CONFIRMATIONS blocks after inclusion among them, so a trade
-- included just before 00:00 UTC moved to the next day once final. intents.included_at is when
-- the inclusion was recorded (the receipt seen, within a block or so of the block's time): set by
-- the database when the intent's inclusion (block number or hash) changes, kept as it is by every
-- other update of the row (finality, a sync), cleared with the inclusion by a reorg and set again
-- at the next one. A writer may give it itself (the block's timestamp) in the update that records
-- the inclusion.
alter table intents add column included_at timestamptz;

-- Rows included before this migration: an inclusion not final yet was the row's last change
-- (updated_at); a final one is dated when its mined attempt was first accepted by a node (or
-- signed), the closest time kept that is not after its inclusion (final_at is
-- ORION_CONFIRMATIONS blocks after it).
update intents i set included_at = case when i.final_at is null then i.updated_at
  else coalesce((select coalesce(a.sent_at, a.created_at) from intent_attempts a where a.id = i.settled_attempt), i.updated_at) end
where i.included_block is not null;

create function orion_intent_included_at() returns trigger language plpgsql as $$ begin
  if new.included_block is null then
    new.included_at := null;
  elsif tg_op = 'INSERT' then
    new.included_at := coalesce(new.included_at, now());
  elsif old.included_block is distinct from new.included_block or old.included_hash is distinct from new.included_hash then
    if new.included_at is not distinct from old.included_at then new.included_at := now(); end if;
  else
    new.included_at := old.included_at;
  end if;
  return new;
end $$;

create trigger intents_included_at before insert or update on intents for each row execute function orion_intent_included_at();
