CREATE TABLE half (k text);
SELECT no_such_function();
