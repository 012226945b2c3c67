-- What Martin publishes: the same features and properties lantu's tiles carry, public view
-- (published sites only), so both servers answer the same question.
CREATE SCHEMA martin;
CREATE VIEW martin.units AS
  SELECT code, name_zh, name_en, level, parent_code AS parent, geom FROM public.units WHERE geom IS NOT NULL;
CREATE VIEW martin.sites AS
  SELECT id, name, element_type, status, geom FROM public.sites WHERE NOT deleted AND status = 'published';
