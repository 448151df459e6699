// Two projects: `unit` specs sit beside their source and need nothing running;
// `integration` suites live in test/ and talk to real databases, Redis and a fake model over HTTP.
// Suites that need Postgres or Redis skip themselves unless DATABASE_URL / REDIS_URL are set.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const common = {
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@fjord/([^/]+)/(.+)$': '<rootDir>/libs/$1/src/$2', '^@fjord/([^/]+)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.test.ts'], slowTestThreshold: 30 },
  ],
  testTimeout: 60000,
  // Every suite closes what it opens (checked with --detectOpenHandles); this only keeps a leak
  // inside a dependency from hanging CI until its time limit after all tests have finished.
  forceExit: true,
};
