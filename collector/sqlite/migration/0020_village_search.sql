-- search_key is what a name search matches: geo.Fold of the village name, " | ", geo.Fold of
-- the commune name (lower case, no diacritics, đ as d). It is computed in Go, so Open fills it
-- for rows stored before this column existed (NULL until then).
ALTER TABLE villages ADD COLUMN search_key TEXT;
