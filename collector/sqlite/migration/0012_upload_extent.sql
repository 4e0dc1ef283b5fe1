-- What an areas upload speaks for (issue 10): its extent in plain words, how many villages
-- inside it the file marks as without signal, and the notices shown to the uploader.
ALTER TABLE uploads ADD COLUMN extent TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN marked_dark INTEGER NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN notes TEXT; -- JSON array of strings, NULL when none
