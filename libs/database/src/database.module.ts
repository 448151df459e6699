import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { createDb } from './create-db';
import { DB, Db } from './db';
import { migrate } from './migrator';

/** Opens the database and applies pending migrations before anything else starts. */
@Global()
@Module({
  providers: [
    {
      provide: DB,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Db> => {
        const db = await createDb(config);
        await migrate(db);
        return db;
      },
    },
  ],
  exports: [DB],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DB) private readonly db: Db) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
