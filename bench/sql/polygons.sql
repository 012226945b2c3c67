-- 100,000 published small polygons (irregular hexagons 20–80 m across) over central Shanghai
-- (121.35–121.55°E, 31.15–31.30°N), the same every run (setseed).
SELECT setseed(0.2026);
INSERT INTO sites (version, name, description, element_type, status, geom, created_at, created_by, updated_at, updated_by)
SELECT 1, '地块 ' || i, NULL,
       (ARRAY['vibrant_alley','street_corner','slow_traffic','pocket_garden','art_space',
              'tree_lined_street','wall_opening','public_facility','sports_ground','other'])[1 + i % 10],
       'published',
       ST_SetSRID(ST_MakePolygon(ST_MakeLine(ARRAY[
         ST_MakePoint(x + r * cos(0.0),            y + r * 0.86 * sin(0.0)),
         ST_MakePoint(x + r * 0.9 * cos(pi() / 3), y + r * 0.86 * sin(pi() / 3)),
         ST_MakePoint(x + r * cos(2 * pi() / 3),   y + r * 0.86 * sin(2 * pi() / 3)),
         ST_MakePoint(x + r * 1.1 * cos(pi()),     y + r * 0.86 * sin(pi())),
         ST_MakePoint(x + r * cos(4 * pi() / 3),   y + r * 0.86 * sin(4 * pi() / 3)),
         ST_MakePoint(x + r * 0.8 * cos(5 * pi() / 3), y + r * 0.86 * sin(5 * pi() / 3)),
         ST_MakePoint(x + r * cos(0.0),            y + r * 0.86 * sin(0.0))])), 4326),
       now(), 'bench', now(), 'bench'
FROM (SELECT i, 121.35 + random() * 0.20 AS x, 31.15 + random() * 0.15 AS y,
             (10 + random() * 30) / 95000.0 AS r
      FROM generate_series(1, 100000) AS i) AS p;
ANALYZE sites;
