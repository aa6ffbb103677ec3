-- External identity (DESIGN §13, JWT-004): organizations named in a JWT's claim are created on
-- first use and addressed by id; they have no slug until an admin gives them one.
ALTER TABLE organizations ALTER COLUMN slug DROP NOT NULL;
