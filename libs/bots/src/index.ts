export * from './bot.schema';
export * from './bot.repository';
export * from './bot.service';
export * from './bot-key.service';
export * from './bot-access';
export * from './bots.module';
