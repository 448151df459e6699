-- Keep a point's vectors inside its row. pgvector's type is stored 'external', so a row over
-- Postgres' 2 kB TOAST threshold (a 384-d vector is 1.5 kB, plus the chunk's text and terms) had
-- its vector moved out of line first, and every exact scan fetched each vector from the TOAST
-- table: on PGlite an exact top-k over 20k points took 78 ms that way and 23 ms with the vector
-- in the row. MAIN keeps it in the row (the text columns move out instead); it applies to rows
-- written from now on (existing rows change when they are next written).
ALTER TABLE points ALTER COLUMN embedding SET STORAGE MAIN;
ALTER TABLE points ALTER COLUMN embedding_alt SET STORAGE MAIN;
