-- The reads of covmon status at national scale (issue 16): three indexes, no new data.
--
-- observations_latest gains has_signal and rsrp_dbm after its key: with them it holds every
-- column the completion forecast's history walk reads (EachVillageHistory: village, carrier,
-- technology, source role, observed_at, id, signal, RSRP, what a status at an instant rests
-- on), so the walk reads the index alone instead of looking up each observation's row. The
-- key and its order are unchanged: every seek and ordered scan that used it still does. In
-- the sqlite3 CLI at 100k villages the walk fell from 2.3-2.6 s to 1.3-1.8 s of CPU.
DROP INDEX observations_latest;
CREATE INDEX observations_latest ON observations (village_id, carrier, technology, source_role,
	observed_at, id, has_signal, rsrp_dbm);

-- village_programs_program becomes UNIQUE (it is: the primary key is the same two columns):
-- a program's villages drive the reads of status and of the forecast (village_programs fp
-- JOIN latest_claims / observations ... ORDER BY fp.village_id, ...), and only a unique index
-- tells SQLite that each village comes once, so that the rows of the other table come in
-- order; without it every village's rows went through a temporary B-tree ("USE TEMP B-TREE
-- FOR RIGHT PART OF ORDER BY" in EXPLAIN QUERY PLAN).
DROP INDEX village_programs_program;
CREATE UNIQUE INDEX village_programs_program ON village_programs (program_id, village_id);

-- Every open of the database looks for villages without a search key (filled once for
-- databases older than 0020): without an index that was a scan of the whole villages table
-- (144 MiB at 1M villages, read through the writer's memory map and counted in the RSS of
-- every command). The index holds only such villages: none, once they are filled.
CREATE INDEX villages_search_key_missing ON villages (id) WHERE search_key IS NULL;
