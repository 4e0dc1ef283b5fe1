-- villages_history again, without an ordered aggregate: json_group_array(x ORDER BY y) needs
-- SQLite 3.44, and a schema holding it makes older sqlite3 shells (Debian 12 ships 3.40) refuse
-- every statement on the database ("malformed database schema"), so an operator could not even
-- read it. The ordered subquery gives the same sorted array.
DROP TRIGGER villages_history;
CREATE TRIGGER villages_history AFTER UPDATE OF upload_id ON villages
WHEN OLD.retired_at IS NULL AND NEW.valid_from IS NOT NULL
BEGIN
	INSERT INTO village_versions (village_id, valid_from, valid_to, name, commune_code,
		commune_name, province_code, province_name, legacy_district_code, legacy_commune_code,
		lon, lat, area, grid_power, grid_power_since, households, baseline, found_at, deadline,
		deadlines, search_key, programs, upload_id, superseded_by)
	VALUES (OLD.id, OLD.valid_from, NEW.valid_from, OLD.name, OLD.commune_code,
		OLD.commune_name, OLD.province_code, OLD.province_name, OLD.legacy_district_code,
		OLD.legacy_commune_code, OLD.lon, OLD.lat, OLD.area, OLD.grid_power, OLD.grid_power_since,
		OLD.households, OLD.baseline, OLD.found_at, OLD.deadline, OLD.deadlines, OLD.search_key,
		(SELECT coalesce(json_group_array(program_id), '[]')
			FROM (SELECT program_id FROM village_programs WHERE village_id = OLD.id ORDER BY program_id)),
		OLD.upload_id, NEW.upload_id);
END;
