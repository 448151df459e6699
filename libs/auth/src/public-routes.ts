import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { IS_PUBLIC } from './auth.decorators';

function joinPath(...parts: string[]): string {
  const joined = parts.map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
  return `/${joined}`;
}

function toPattern(path: string): RegExp {
  const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\?:[A-Za-z_]\w*/g, '[^/]+');
  return new RegExp(`^${source}/?$`);
}

/**
 * The routes marked @Public, as method + path patterns, so authentication that runs before Nest's router
 * (ahead of body parsing) knows where no credential is needed.
 */
@Injectable()
export class PublicRoutes {
  private routes?: Array<{ method: string; pattern: RegExp }>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  matches(method: string, path: string): boolean {
    this.routes ??= this.collect();
    const upper = method.toUpperCase();
    return this.routes.some((route) => (route.method === 'ALL' || route.method === upper || (upper === 'HEAD' && route.method === 'GET')) && route.pattern.test(path));
  }

  private collect(): Array<{ method: string; pattern: RegExp }> {
    const routes: Array<{ method: string; pattern: RegExp }> = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller || !wrapper.instance) continue;
      const classPublic = this.reflector.get<boolean>(IS_PUBLIC, controller) === true;
      const prefixes = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '/');
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, (...args: unknown[]) => unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        const isPublic = this.reflector.get<boolean>(IS_PUBLIC, handler) ?? classPublic;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (!isPublic || requestMethod === undefined) continue;
        const paths = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, handler) ?? '/');
        for (const prefix of prefixes) {
          for (const path of paths) routes.push({ method: RequestMethod[requestMethod], pattern: toPattern(joinPath(prefix, path)) });
        }
      }
    }
    return routes;
  }
}
