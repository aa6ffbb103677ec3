-- SEC-050 (DESIGN §20): membership by e-mail or user id is an invitation the invitee accepts.
-- `email` is folded as users.email is (citext), so an invitation finds the account whatever its
-- spelling. `user_id` is the account that held the address when it was invited: it may accept
-- without the token; anyone who signs up with the address later needs the token the inviter was
-- given (addresses are never verified here). Only the token's BLAKE2b hash is stored.
CREATE TABLE invitations (
  id              syncline_id PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email           citext NOT NULL,
  user_id         text REFERENCES users(id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('admin', 'member')),
  token_hash      bytea NOT NULL,
  invited_by      text REFERENCES users(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  UNIQUE (organization_id, email)
);
CREATE INDEX invitations_email_idx ON invitations(email);
CREATE INDEX invitations_user_idx ON invitations(user_id);
