-- Each collection records the lexical analyser its terms were made with (libs/text, lexical-analyzer.ts):
-- collections that existed before it are 1 (character bigrams for CJK) and keep working unchanged;
-- collections created from now on get the column default, the latest analyser.
ALTER TABLE collections ADD COLUMN lexical_analyzer smallint NOT NULL DEFAULT 1;
ALTER TABLE collections ALTER COLUMN lexical_analyzer SET DEFAULT 2;
