-- The role an upload was sent in (issue 11): carrier (a carrier's claims, areas, plans),
-- inspector (independent measurements) or ministry (the registry, assignments, a crosswalk).
-- Duplicates are judged by carrier, role and bytes: a carrier that uploads the exact bytes of
-- an inspector's file first (as its own claims) no longer swallows the inspection, nor the
-- reverse. docs/security.md has the rule; the same backfill runs in the PostgreSQL store.
ALTER TABLE uploads ADD COLUMN role TEXT NOT NULL DEFAULT 'carrier'
	CHECK (role IN ('carrier', 'inspector', 'ministry'));

-- Backfill from what is stored, in this order:
-- 1. the registry, assignments and crosswalks are the ministry's;
UPDATE uploads SET role = 'ministry' WHERE kind IN ('villages', 'assignments', 'crosswalk');
-- 2. an observations upload is an inspector's when it stored independent measurements, came
--    through the inspectors' drop folder, or was sent with an inspector's token;
UPDATE uploads SET role = 'inspector'
WHERE kind = 'observations' AND (
	source = 'inbox-inspector'
	OR token_id IN (SELECT id FROM tokens WHERE role = 'inspector')
	OR id IN (SELECT upload_id FROM observations WHERE source_role = 'independent'));
-- 3. a duplicate that no carrier path fixes (the command line, the seeds, a ministry token:
--    there the file's own "source_role" decided) takes the role of the upload it duplicated;
UPDATE uploads SET role = (SELECT d.role FROM uploads d WHERE d.id = uploads.duplicate_of)
WHERE kind = 'observations' AND result = 'duplicate' AND duplicate_of IS NOT NULL
	AND role = 'carrier' AND source IN ('cli', 'seed', 'api')
	AND (token_id IS NULL OR token_id IN (SELECT id FROM tokens WHERE role = 'ministry'));
-- 4. everything else stays 'carrier': areas and plans, a carrier's token, drop folder or feed,
--    and what cannot be known (a rejected, or accepted but empty, observations upload from the
--    command line, the seeds or a ministry token): a file that does not declare
--    "source_role": "independent" is the carrier's claims.

DROP INDEX IF EXISTS uploads_carrier_sha256_accepted;
CREATE UNIQUE INDEX uploads_carrier_role_sha256_accepted ON uploads (carrier, role, sha256) WHERE result = 'accepted';
