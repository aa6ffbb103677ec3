-- SEC-050: the limits that must hold on every node and across restarts.
-- Each account's sign-in backoff (auth/sign_in_backoff.h): its user id, or 'email:' + the
-- address folded by lower() for an address without an account.
CREATE TABLE sign_in_backoff (
  account text PRIMARY KEY,
  failures integer NOT NULL DEFAULT 0,
  last_failure timestamptz,
  known_addresses text[] NOT NULL DEFAULT '{}',
  seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_backoff_idle ON sign_in_backoff (seen_at) WHERE account LIKE 'email:%';
-- Sign-ups per client key (an address; an IPv6 /64) per hour (auth/sign_up_limits.h).
CREATE TABLE sign_up_counts (
  client_key text NOT NULL,
  hour timestamptz NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (client_key, hour)
);
CREATE INDEX sign_up_counts_hour ON sign_up_counts (hour);
