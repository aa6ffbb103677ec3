-- SEC-046..048: entity ids are scoped to their organization. An entity is (organization_id,
-- entity type, id): the same id in two orgs is two entities, and creating one reveals nothing
-- about the other (no cross-tenant existence oracle, no squatting of ids another org will use).
-- Existing rows keep their ids: they were globally unique, so they are unique per org too.
ALTER TABLE pages DROP CONSTRAINT pages_pkey;
ALTER TABLE pages ADD PRIMARY KEY (organization_id, id);
DROP INDEX pages_org_idx;  -- the primary key now serves (organization_id, id)

ALTER TABLE attachments DROP CONSTRAINT attachments_pkey;
ALTER TABLE attachments ADD PRIMARY KEY (organization_id, id);
DROP INDEX attachments_org_idx;

-- DATA-016 within an org: entity ids alone no longer name one entity.
DROP INDEX activities_entity_field_idx;
CREATE INDEX activities_entity_field_idx
  ON activities(organization_id, entity_type, entity_id, (tx->>'changedField'));
