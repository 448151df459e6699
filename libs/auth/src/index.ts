export * from './principal';
export * from './api-key.service';
export * from './api-key.repository';
export * from './auth.decorators';
export * from './auth.guard';
export * from './auth.module';
export * from './console-session.service';
