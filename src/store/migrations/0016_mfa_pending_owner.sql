-- A pending MFA secret (issued, not yet confirmed) belongs to what started it and expires: the
-- signed-in session (`session:<refresh family id>`) or the login challenge (`challenge:<its
-- SHA-256>`). Only that session or login may confirm it, and only before `mfa_pending_expires_at`
-- (the database's clock), so a token of another session cannot confirm, and a setup left open
-- does not wait forever for someone to confirm it. Pending secrets written before this have no
-- owner and are cleared: their users start the setup again.
alter table auth_user add column mfa_pending_origin text;
alter table auth_user add column mfa_pending_expires_at timestamptz;
update auth_user set mfa_pending_secret = null where mfa_pending_secret is not null;
