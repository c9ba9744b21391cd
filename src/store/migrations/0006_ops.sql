-- Notifications (src/notify): the outcome of every webhook delivery, one row per event and
-- target: delivered, failed after its retries, or dropped because the queue was full.
create table notification_delivery (
  id bigint generated always as identity primary key,
  event_type text not null,
  target text not null,
  format text not null check (format in ('json', 'slack', 'discord', 'telegram')),
  status text not null check (status in ('delivered', 'failed', 'dropped')),
  attempts integer not null check (attempts >= 0),
  http_status integer,
  error text,
  event jsonb not null,
  queued_at timestamptz not null,
  finished_at timestamptz not null default now()
);
create index notification_delivery_recent on notification_delivery (finished_at desc);
