-- Duplicates are judged per carrier: the same bytes from two carriers (a file whose carrier
-- comes from the uploader's token, or an empty heartbeat file) are two uploads.
DROP INDEX IF EXISTS uploads_sha256_accepted;
CREATE UNIQUE INDEX uploads_carrier_sha256_accepted ON uploads (carrier, sha256) WHERE result = 'accepted';

-- An observation is skipped only when it equals the latest one of its series at its instant
-- (checked at insert), so a correction back to an earlier value is stored: the identity index
-- is no longer unique.
DROP INDEX IF EXISTS observations_identity;
