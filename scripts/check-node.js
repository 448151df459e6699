#!/usr/bin/env node
// Runs before `npm start`: an older Node fails later in obscure ways (dependencies need 22), so say it plainly.
'use strict';
const required = 22;
const major = Number(process.versions.node.split('.')[0]);
if (major < required) {
  console.error(
    `fjord needs Node ${required} LTS or newer; this is Node ${process.versions.node}.\n` +
      `  With nvm: \`nvm install\` (reads .nvmrc), then \`npm start\` again.\n` +
      `  Without it: install Node ${required} from https://nodejs.org, or use the Docker image (docker compose up).`,
  );
  process.exit(1);
}
