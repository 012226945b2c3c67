-- 100,000 published point sites spread over central Shanghai (121.35–121.55°E, 31.15–31.30°N),
-- the same every run (setseed).
SELECT setseed(0.2026);
INSERT INTO sites (version, name, description, element_type, status, geom, created_at, created_by, updated_at, updated_by)
SELECT 1, '点位 ' || i, NULL,
       (ARRAY['vibrant_alley','street_corner','slow_traffic','pocket_garden','art_space',
              'tree_lined_street','wall_opening','public_facility','sports_ground','other'])[1 + i % 10],
       'published',
       ST_SetSRID(ST_MakePoint(121.35 + random() * 0.20, 31.15 + random() * 0.15), 4326),
       now(), 'bench', now(), 'bench'
FROM generate_series(1, 100000) AS i;
ANALYZE sites;
