-- Bots (api.md section 3): a model, a system prompt, the knowledge it retrieves from and default
-- chat parameters. `knowledge` keeps the request's wire form ({collections: [{resource_id}|{name, project}],
-- limit?, dense_weight?, query_param?, post_processing?}); collections are checked at create/update and
-- resolved again at chat time. `parameters` likewise ({max_new_tokens?, temperature?, ...}).
CREATE TABLE bots (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  description    text NOT NULL DEFAULT '',
  model          text NOT NULL,
  system_prompt  text NOT NULL DEFAULT '',
  knowledge      jsonb,
  parameters     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bots_created_at_idx ON bots (created_at, id);
