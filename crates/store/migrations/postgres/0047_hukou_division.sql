-- A worker's hukou_region may be any mainland administrative division code (GB/T 2260, e.g.
-- 330106) as well as a registered region code: it loses its foreign key to regions, and the
-- province derived from it is kept in hukou_province (NULL for rows registered before).
ALTER TABLE workers DROP CONSTRAINT IF EXISTS workers_hukou_region_fkey;
ALTER TABLE workers ADD COLUMN hukou_province TEXT;
