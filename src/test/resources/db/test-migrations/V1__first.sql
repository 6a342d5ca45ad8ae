CREATE TABLE first (k text PRIMARY KEY);
INSERT INTO first VALUES ('one');
