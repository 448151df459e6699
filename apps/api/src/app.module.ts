import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from '@fjord/auth';
import { AppConfig, ConfigModule, loadConfig } from '@fjord/config';
import { DatabaseModule } from '@fjord/database';
import { JobsModule } from '@fjord/jobs';
import { ObservabilityModule, loggerParams } from '@fjord/observability';
import { RateLimitsModule } from '@fjord/rate-limits';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { PingController } from './health/ping.controller';
import { KeysController } from './keys/keys.controller';
import { ArkModule } from './ark/ark.module';
import { BotsApiModule } from './bots/bots-api.module';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { HttpMetricsInterceptor } from './http/http-metrics.interceptor';
import { NullAsAbsentValidationPipe } from './http/null-as-absent.pipe';
import { McpModule } from './mcp/mcp.module';
import { VikingModule } from './viking/viking.module';
import { SearchApiModule } from './viking/search-api.module';

/** The HTTP app. Each API family lives in its own feature module, imported here. */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig = loadConfig()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forConfig(config),
        LoggerModule.forRoot(loggerParams(config)),
        DatabaseModule,
        ObservabilityModule,
        JobsModule,
        AuthModule,
        RateLimitsModule,
        ArkModule,
        VikingModule,
        SearchApiModule,
        BotsApiModule,
        McpModule,
      ],
      controllers: [HealthController, PingController, KeysController],
      providers: [
        HealthService,
        { provide: APP_PIPE, useClass: NullAsAbsentValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
      ],
    };
  }
}
