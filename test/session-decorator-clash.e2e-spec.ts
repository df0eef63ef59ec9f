import { Controller, createParamDecorator, Get, INestApplication, Session as NestSession } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import request from 'supertest';
import type { App } from 'supertest/types';
import { MemorySessionStore, Session, SessionConfigurationError, SessionModule } from '../src';
import { createFixtureApp, listenFixtureApp } from './utils/fixture-app';
import { PLATFORMS } from './utils/platforms';
import { cookieOf, TEST_SECRET } from './utils/sample-app';

/** Written the way an editor's auto-import leaves it: Nest's `@Session()` where ours was meant. */
@Controller('wrong')
class WrongImportController {
  @Get('profile')
  profile(@NestSession() session: Session): unknown {
    return session.get('name');
  }

  @Get('ok')
  fine(@Session() session: Session): unknown {
    return session.get('name');
  }
}

/** Nest's decorator alone, as in an app that uses express-session or @fastify/session, not us. */
@Controller('theirs')
class NestSessionOnlyController {
  @Get()
  read(@NestSession() session: Record<string, unknown> | undefined): unknown {
    return session?.name;
  }
}

class BaseController {
  @Get('inherited')
  inherited(@Session() _ours: Session, @NestSession() session: Session): unknown {
    return session.get('name');
  }
}

@Controller('derived')
class DerivedController extends BaseController {}

const NAME = createParamDecorator(() => 'nest');

/**
 * A `createParamDecorator` whose random id happens to start with `RouteParamtypes.SESSION` (7): the
 * check must not take it for Nest's `@Session()`.
 */
function SevenPrefixedParam(): ParameterDecorator {
  return (target, key, index) => {
    NAME()(target, key, index);
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key!) as Record<string, unknown>;
    const [[ownKey, meta]] = Object.entries(args).filter(([k]) => k.endsWith(`:${index}`));
    delete args[ownKey];
    args[`7${ownKey}`] = meta;
    Reflect.defineMetadata(ROUTE_ARGS_METADATA, args, target.constructor, key!);
  };
}

@Controller('right')
class RightImportController {
  @Get('visit')
  visit(@Session() session: Session<{ visits: number }>, @SevenPrefixedParam() name: string): unknown {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return { visits, name };
  }
}

const sessionModule = () => SessionModule.forRoot({ secret: TEST_SECRET, store: new MemorySessionStore() });

describe.each(PLATFORMS)("Nest's own @Session() in place of ours (%s)", (platform) => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('stops the app at start-up, naming every misused handler and the import to use', async () => {
    app = await createFixtureApp(platform, {
      imports: [sessionModule()],
      controllers: [WrongImportController, DerivedController, RightImportController],
    });

    const failure = await app.init().then(
      () => null,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(SessionConfigurationError);
    const { message, code } = failure as SessionConfigurationError;
    expect(code).toBe('SESSION_CONFIGURATION_INVALID');
    expect(message).toContain('WrongImportController.profile() (parameter 0)');
    expect(message).toContain('DerivedController.inherited() (parameter 1)');
    expect(message).toContain("import { Session } from 'nest-sessions'");
    expect(message).not.toContain('fine()');
    expect(message).not.toContain('RightImportController');
  });

  it('starts an app whose controllers use ours, and serves its session', async () => {
    app = await listenFixtureApp(platform, { imports: [sessionModule()], controllers: [RightImportController] });

    const server = app.getHttpServer() as App;
    const first = await request(server).get('/right/visit').expect(200, { visits: 1, name: 'nest' });
    const cookie = cookieOf(first.headers['set-cookie'])!;
    await request(server).get('/right/visit').set('Cookie', cookie).expect(200, { visits: 2, name: 'nest' });
  });

  it('checks nothing when SessionModule is not imported', async () => {
    app = await createFixtureApp(platform, { controllers: [NestSessionOnlyController] });
    await expect(app.init()).resolves.toBe(app);
  });
});
