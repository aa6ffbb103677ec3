-- DATA-SCALE-001: list pages are read from an index, O(page) not O(org). The primary key
-- (organization_id, id) serves the key order; shapes filtering on a ref (`parentId`,
-- `groupId`) get an (org, field, key) index, as `schema apply` builds for declared types.
CREATE INDEX IF NOT EXISTS pages_syncline_parent_id ON pages (organization_id, parent_id, id);
CREATE INDEX IF NOT EXISTS attachments_syncline_group_id
  ON attachments (organization_id, group_id, id);
