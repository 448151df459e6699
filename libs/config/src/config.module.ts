import { Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Provides the parsed AppConfig under APP_CONFIG. Tests pass their own with `ConfigModule.forConfig`. */
@Global()
@Module({})
export class ConfigModule {
  static forConfig(config: AppConfig = loadConfig()) {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
