-- Accounts, tokens, API keys and the hash-chained audit log (API service, issue 12).

-- People who sign in. `pseudonym` is the id the audit log uses for them (kept after an erase,
-- when the username is replaced and the hashes stay valid). `last_totp_step` makes every TOTP
-- code usable once: a code is accepted only for a time step after the last one accepted.
create table auth_user (
  id text primary key,
  username text not null unique check (username <> ''),
  role text not null check (role in ('viewer', 'trader', 'risk', 'admin', 'auditor')),
  password_hash text not null,
  must_change_password boolean not null default false,
  disabled_at timestamptz,
  erased_at timestamptz,
  mfa_secret text,
  mfa_pending_secret text,
  last_totp_step bigint,
  pseudonym text not null unique,
  created_at timestamptz not null default now()
);

-- Every login attempt for an account (the lockout counts the failures of the last 15 minutes).
create table auth_login_attempt (
  user_id text not null references auth_user (id) on delete cascade,
  at timestamptz not null default now(),
  ok boolean not null
);
create index auth_login_attempt_user_at on auth_login_attempt (user_id, at);

-- A login that still owes a step (password change, MFA enrolment, a TOTP code): the client
-- holds the opaque challenge, we keep its SHA-256.
create table auth_challenge (
  token_hash text primary key,
  user_id text not null references auth_user (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz
);

-- JWT signing keys (EdDSA, JWK). The newest unretired key signs; a retired key still verifies
-- until `retired_at` + the access-token lifetime, so rotation never cuts a token short.
create table auth_signing_key (
  kid text primary key,
  alg text not null check (alg = 'EdDSA'),
  public_jwk jsonb not null,
  private_jwk jsonb not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);

-- Opaque refresh tokens, stored as SHA-256. One family per login; each use rotates the token
-- (used_at set, a new one issued); presenting a used token revokes the whole family.
create table auth_refresh_token (
  token_hash text primary key,
  family_id text not null,
  user_id text not null references auth_user (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz
);
create index auth_refresh_token_family on auth_refresh_token (family_id);

-- API keys for automation: the secret is shown once; we keep its SHA-256.
create table auth_api_key (
  id text primary key,
  name text not null check (name <> ''),
  role text not null check (role in ('viewer', 'trader', 'risk', 'admin', 'auditor')),
  secret_hash text not null unique,
  created_by text references auth_user (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  last_used_at timestamptz,
  pseudonym text not null unique
);

-- The audit log: append-only, each row's hash = SHA-256(previous hash || canonical row). The
-- hashed row names people only by pseudonym; what identifies them (username, address) lives in
-- audit_personal, outside the hash, so an erase deletes it and the chain still verifies.
create table audit_log (
  seq bigint primary key check (seq > 0),
  at timestamptz not null,
  type text not null check (type <> ''),
  actor text,
  subject text,
  details jsonb not null,
  prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text not null check (hash ~ '^[0-9a-f]{64}$')
);
create index audit_log_type_at on audit_log (type, at);
create index audit_log_actor on audit_log (actor);

create table audit_personal (
  seq bigint not null,
  pseudonym text not null,
  data jsonb not null,
  primary key (seq, pseudonym)
);
create index audit_personal_pseudonym on audit_personal (pseudonym);

-- The signed head of the chain: (seq, hash) signed with the audit key (Ed25519) at every
-- append, so a tail cut from the log shows as a checkpoint past the last row.
create table audit_checkpoint (
  id boolean primary key default true check (id),
  seq bigint not null,
  hash text not null,
  key_id text not null,
  signature text not null,
  at timestamptz not null default now()
);
