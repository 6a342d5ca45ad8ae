CREATE TABLE second (k text PRIMARY KEY);
ALTER TABLE first ADD COLUMN v integer;
